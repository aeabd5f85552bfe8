"""A simulated task's exit code, where DescribeTasks shows it (`containers[].exitCode`).

moto stops a task without an exit code of its own (it reports 0 for every container); the emulator's moto
server runs in this process, so the simulator writes the code it chose into moto's task, as ECS would.
"""

from __future__ import annotations


def record_exit_code(task_arn: str, exit_code: int) -> bool:
    """Set the stopped task's containers' exit code and status; False when moto holds no such task."""
    from moto.ecs.models import ecs_backends

    region, account = task_arn.split(":")[3:5]
    backend = ecs_backends[account][region]
    for tasks in backend.tasks.values():
        task = tasks.get(task_arn)
        if task is None:
            continue
        for container in task.containers:
            container.exitCode = exit_code
            container.last_status = "STOPPED"
        return True
    return False
