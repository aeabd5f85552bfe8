# ruff: noqa: RUF009  -- `go(tag)` is a dataclasses.field() carrying the Go tag, as immutable as field()
"""AppPack's Go structs, transcribed from apppackio/apppack (`app/app.go`, `app/builds.go`) and the ECS input
types of aws-sdk-go-v2 that `CONFIG#ecs` decodes into (`service/ecs`, `service/ecs/types`). Only the ECS fields
the orchestrator writes are listed: the tests refuse any attribute a struct here has no field for.

Go tag names are given with `go(...)`; the ECS structs have no `locationName` tags in SDK v2, so their keys are
the Go field names, which the decoder matches case-insensitively (`launchType` → `LaunchType`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.apppack_go.decoder import go

# --- app/app.go -------------------------------------------------------------------------------------------


@dataclass
class Named:
    name: str = go("name")


@dataclass
class ArnName:
    arn: str = go("arn")
    name: str = go("name")


@dataclass
class ArnSuffix:
    arn: str = go("arn")
    suffix: str = go("suffix")


@dataclass
class Shell:
    command: str = go("command")
    task_family: str = go("task_family")


@dataclass
class DBUtils:
    shell_task_family: str = go("shell_task_family")
    s3_bucket: str = go("s3_bucket")
    dumpload_task_family: str = go("dumpload_task_family")
    engine: str = go("engine")


@dataclass
class Settings:
    cluster: ArnName = go("cluster")
    load_balancer: ArnSuffix = go("load_balancer")
    target_group: ArnSuffix = go("target_group")
    domains: list[str] | None = go("domains")  # nil when missing: a slice
    shell: Shell = go("shell")
    dbutils: DBUtils = go("dbutils")
    codebuild_project: Named = go("codebuild_project")
    log_group: Named = go("log_group")
    stack_id: str = go("stack_id")


@dataclass
class SettingsItem:
    primary_id: str = go("primary_id")
    secondary_id: str = go("secondary_id")
    settings: Settings = go("value")


@dataclass
class Process:
    name: str = go("name")
    cpu: str = go("cpu")
    memory: str = go("memory")
    min_processes: int = go("min_processes")
    max_processes: int = go("max_processes")
    state: str = go("state")
    command: str = go("command")


@dataclass
class DeployStatus:
    phase: str = go("phase")
    processes: list[Process] | None = go("processes")
    build_id: str = go("build_id")
    last_update: int = go("last_update")  # int64
    commit: str = go("commit")
    build_number: int = go("build_number")
    failed: bool = go("failed")


@dataclass
class DeployStatusItem:
    primary_id: str = go("primary_id")
    secondary_id: str = go("secondary_id")
    deploy_status: DeployStatus = go("value")


# --- app/builds.go ----------------------------------------------------------------------------------------


@dataclass
class BuildPhaseDetail:
    arns: list[str] | None = go("arns")
    logs: str = go("logs")
    start: int = go("start")  # int64, unix seconds
    end: int = go("end")
    state: str = go("state")


@dataclass
class BuildStatus:
    app: str = go("app")
    build_number: int = go("build_number")
    pr_number: str = go("pr_number")
    commit: str = go("commit")
    build: BuildPhaseDetail = go("build")
    test: BuildPhaseDetail = go("test")
    finalize: BuildPhaseDetail = go("finalize")
    release: BuildPhaseDetail = go("release")
    postdeploy: BuildPhaseDetail = go("postdeploy")
    deploy: BuildPhaseDetail = go("deploy")


# --- aws-sdk-go-v2 service/ecs (the fields the orchestrator writes) ---------------------------------------


@dataclass
class AwsVpcConfiguration:
    subnets: list[str] | None = go("Subnets")
    security_groups: list[str] | None = go("SecurityGroups")
    assign_public_ip: str = go("AssignPublicIp")  # types.AssignPublicIp


@dataclass
class NetworkConfiguration:
    awsvpc_configuration: AwsVpcConfiguration | None = go("AwsvpcConfiguration")


@dataclass
class RunTaskInput:
    cluster: str | None = go("Cluster")
    launch_type: str = go("LaunchType")  # types.LaunchType
    network_configuration: NetworkConfiguration | None = go("NetworkConfiguration")


@dataclass
class LogConfiguration:
    log_driver: str = go("LogDriver")
    options: dict[str, str] | None = go("Options")


@dataclass
class PortMapping:
    container_port: int | None = go("ContainerPort")  # *int32
    host_port: int | None = go("HostPort")
    protocol: str = go("Protocol")


@dataclass
class ContainerDefinition:
    name: str | None = go("Name")
    image: str | None = go("Image")
    essential: bool | None = go("Essential")
    cpu: int = go("Cpu")  # int32
    memory: int | None = go("Memory")  # *int32
    command: list[str] | None = go("Command")
    log_configuration: LogConfiguration | None = go("LogConfiguration")
    port_mappings: list[PortMapping] | None = go("PortMappings")


@dataclass
class RegisterTaskDefinitionInput:
    family: str | None = go("Family")
    container_definitions: list[ContainerDefinition] | None = go("ContainerDefinitions")
    cpu: str | None = go("Cpu")  # *string: "256"
    memory: str | None = go("Memory")
    execution_role_arn: str | None = go("ExecutionRoleArn")
    task_role_arn: str | None = go("TaskRoleArn")
    network_mode: str = go("NetworkMode")
    requires_compatibilities: list[str] | None = go("RequiresCompatibilities")


@dataclass
class ECSConfig:
    run_task_args: RunTaskInput = go("run_task_args")
    run_task_args_fargate: RunTaskInput = go("run_task_args_fargate")
    task_definition_args: RegisterTaskDefinitionInput = go("task_definition_args")


@dataclass
class ECSConfigItem:
    primary_id: str = go("primary_id")
    secondary_id: str = go("secondary_id")
    ecs_config: ECSConfig = go("value")
