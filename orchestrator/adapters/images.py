"""ECR images and task definitions as a rollback needs them: do they still exist?"""

from __future__ import annotations

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client

_GONE = {"ImageNotFoundException", "RepositoryNotFoundException", "ClientException", "InvalidParameterException"}


class Images:
    def image_exists(self, repository: str, tag: str) -> bool:
        try:
            found = client("ecr").describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _GONE:
                return False
            raise
        return bool(found.get("imageDetails"))

    def task_definition_image(self, arn: str) -> str | None:
        """The image of the task definition's first container while it is ACTIVE; None once deregistered."""
        try:
            definition = client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _GONE:
                return None
            raise
        if definition.get("status", "ACTIVE") != "ACTIVE":
            return None
        containers = definition.get("containerDefinitions") or [{}]
        return str(containers[0].get("image") or "") or None
