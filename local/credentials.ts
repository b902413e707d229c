/** fauxqs and the CloudFront emulator accept any credentials; these never leave the machine. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
