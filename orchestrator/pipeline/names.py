"""App and process-type names, chosen so that the ECS name `<app>-<process>` has exactly one reading.

AppPack names services and task-definition families `<app>-<process>` (review apps:
`<pipeline>-pr<N>-<process>`), and its CLI validates neither part. With `-` allowed on both sides, app
`shop` with process `api-web` and app `shop-api` with process `web` both own `shop-api-web`: one app could
deploy its image, with its role, into the other's service (issue 10). So:

- a process type has no `-` (`[a-z][a-z0-9_]{0,30}`; `celery-beat` becomes `celery_beat`): the ECS name's
  last `-` always separates the app from the process;
- an app or pipeline name may not end in `-pr<N>`, which is how a review app's names end.

Then no two (app, process) pairs share a name. Ownership tags are checked as well (pipeline/ownership.py).
"""

from __future__ import annotations

import re

APP_NAME_PATTERN = r"^[a-z][a-z0-9-]{1,40}$"
PROCESS_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,30}$"
_REVIEW_APP_SUFFIX = re.compile(r"-pr[0-9]+$")


def app_name_error(name: str) -> str | None:
    """Why `name` cannot be an app or pipeline name, or None."""
    if not re.fullmatch(APP_NAME_PATTERN, name):
        return f"app name {name!r} must be 2-41 lowercase letters, digits and -, starting with a letter"
    if _REVIEW_APP_SUFFIX.search(name):
        return f"app name {name!r} may not end in -pr<N>: review apps' ECS names end that way"
    return None


def process_name_error(name: str) -> str | None:
    """Why `name` cannot be a process type, or None."""
    if re.fullmatch(PROCESS_NAME_PATTERN, name):
        return None
    hint = f" (use {name.replace('-', '_')!r})" if "-" in name and re.match(PROCESS_NAME_PATTERN, name.replace("-", "_")) else ""
    return (
        f"{name!r} is not a valid process type: lowercase letters, digits and _, starting with a letter, "
        f"no '-' (the service is named <app>-<process>){hint}"
    )
