#!/usr/bin/env python3
"""moto_server with CloudFormation support for the three resource types of our stack that moto 5.2.1 lacks.

Takes moto_server's arguments (``moto_launcher.py -H 127.0.0.1 -p PORT``). Used by test/deploy/, which deploys
the stack with the CDK CLI into it; docs/testing-the-deploy.md says what that proves and what it does not.

moto's CloudFormation skips a resource of an unknown type and then fails the stack on the first ``Fn::GetAtt``
that names it (the alarms' ARNs, in the dashboard). Each type below is recorded, not run: CloudFormation creates
it, resolves ``Ref`` and ``Fn::GetAtt Arn`` to it and deletes it with the stack, but no alarm is evaluated and no
queue or topic policy is enforced (moto's SQS and SNS do not evaluate resource policies anyway).

Everything else is moto's own. The launcher also keeps moto itself off the EC2 instance metadata address.
"""

import os
import sys
from typing import Any

from moto.cloudformation.parsing import get_model_list
from moto.core.common_models import CloudFormationModel
from moto.server import main
from moto.utilities.utils import get_partition


class _Recorded:
    """A resource that exists in the stack only: its properties, a physical id and, when it has one, an ARN."""

    def __init__(self, physical_resource_id: str, properties: dict[str, Any], arn: str | None) -> None:
        self.physical_resource_id = physical_resource_id
        self.properties = properties
        self.arn = arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn" and cls._arn_format() is not None

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Arn" and self.arn is not None:
            return self.arn
        raise NotImplementedError(f"{type(self).__name__} has no attribute {attribute_name}")

    @staticmethod
    def _arn_format() -> str | None:
        """``{partition}``, ``{region}``, ``{account}``, ``{name}``; None when the type has no ARN."""
        return None

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "_Recorded":
        # resource_name: the name property when the template gives one, else a name moto generated.
        arn_format = cls._arn_format()
        arn = None
        if arn_format is not None:
            arn = arn_format.format(partition=get_partition(region_name), region=region_name, account=account_id, name=resource_name)
        return cls(resource_name, cloudformation_json.get("Properties", {}), arn)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> "_Recorded":
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        pass  # nothing exists outside the stack's record

    def is_created(self) -> bool:
        return True


class RecordedAlarm(_Recorded, CloudFormationModel):
    __module__ = "moto_launcher.cloudwatch"  # moto files a model under its module's second name: the service

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def _arn_format() -> str | None:
        return "arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"


class RecordedQueuePolicy(_Recorded, CloudFormationModel):
    __module__ = "moto_launcher.sqs"  # moto files a model under its module's second name: the service

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""


class RecordedTopicPolicy(_Recorded, CloudFormationModel):
    __module__ = "moto_launcher.sns"  # moto files a model under its module's second name: the service

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""


RECORDED = (RecordedAlarm, RecordedQueuePolicy, RecordedTopicPolicy)

if __name__ == "__main__":
    # moto finds models through CloudFormationModel.__subclasses__(); fail loudly if that ever changes, or if a
    # newer moto brings its own model for one of these types (then this launcher should drop it).
    for model in RECORDED:
        serving = [m for m in get_model_list() if m.cloudformation_type() == model.cloudformation_type()]
        if serving != [model]:
            sys.exit(f"moto_launcher: {model.cloudformation_type()} is served by {serving}, not by {model.__name__} alone: update the launcher")
    # moto builds boto3 clients inside the server (to route REST requests); botocore would ask the EC2 instance
    # metadata address (169.254.169.254) for a region. All traffic stays on 127.0.0.1.
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    main(sys.argv[1:])
