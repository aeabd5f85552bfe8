# ruff: noqa: RUF009  -- `go(tag)` is a dataclasses.field() carrying the Go tag, as immutable as field()
"""AppPack's Go structs, checked against apppackio/apppack v4.8.1 (`app/app.go`, `app/builds.go`), and the
aws-sdk-go-v2 ECS types `CONFIG#ecs` decodes into (`service/ecs/api_op_RunTask.go`,
`api_op_RegisterTaskDefinition.go`, `types/types.go`). AppPack's own structs are complete. Of the ECS
structs, the fields the orchestrator writes are listed, plus the neighbours it could write by mistake
(environment, secrets, tags): the tests refuse any attribute a struct here has no field for.

Go tag names are given with `go(...)`. AppPack decodes `CONFIG#ecs` with `TagKey = "locationName"`; the SDK v2
types carry no struct tags at all, so their keys are the Go field names, which `attributevalue` matches
exactly, then case-insensitively (`cachedFields.FieldByName`: `strings.EqualFold`, so `launchType` →
`LaunchType`). SDK v2 makes optional scalars pointers (`*string`, `*int32`, `*bool`: `T | None` here) except
where the API has a default (`ContainerDefinition.Cpu int32`); enums (`types.LaunchType`, ...) are strings.
`ddb/ddb.go`'s `Stack` (`CLUSTERS` items) is not transcribed: the orchestrator writes no `CLUSTERS` items.
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
class KeyValuePair:
    name: str | None = go("Name")
    value: str | None = go("Value")


@dataclass
class Secret:
    name: str | None = go("Name")
    value_from: str | None = go("ValueFrom")


@dataclass
class Tag:
    key: str | None = go("Key")
    value: str | None = go("Value")


@dataclass
class LogConfiguration:
    log_driver: str = go("LogDriver")  # types.LogDriver
    options: dict[str, str] | None = go("Options")
    secret_options: list[Secret] | None = go("SecretOptions")


@dataclass
class PortMapping:
    app_protocol: str = go("AppProtocol")  # types.ApplicationProtocol
    container_port: int | None = go("ContainerPort")  # *int32
    container_port_range: str | None = go("ContainerPortRange")
    host_port: int | None = go("HostPort")  # *int32
    name: str | None = go("Name")
    protocol: str = go("Protocol")  # types.TransportProtocol


@dataclass
class ContainerDefinition:
    name: str | None = go("Name")
    image: str | None = go("Image")
    essential: bool | None = go("Essential")
    cpu: int = go("Cpu")  # int32
    memory: int | None = go("Memory")  # *int32
    memory_reservation: int | None = go("MemoryReservation")  # *int32
    command: list[str] | None = go("Command")
    entry_point: list[str] | None = go("EntryPoint")
    environment: list[KeyValuePair] | None = go("Environment")
    secrets: list[Secret] | None = go("Secrets")
    log_configuration: LogConfiguration | None = go("LogConfiguration")
    port_mappings: list[PortMapping] | None = go("PortMappings")


@dataclass
class RegisterTaskDefinitionInput:
    family: str | None = go("Family")
    container_definitions: list[ContainerDefinition] | None = go("ContainerDefinitions")
    cpu: str | None = go("Cpu")  # *string: "256"
    memory: str | None = go("Memory")  # *string: "512"
    execution_role_arn: str | None = go("ExecutionRoleArn")
    task_role_arn: str | None = go("TaskRoleArn")
    network_mode: str = go("NetworkMode")  # types.NetworkMode
    requires_compatibilities: list[str] | None = go("RequiresCompatibilities")  # []types.Compatibility
    tags: list[Tag] | None = go("Tags")


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
