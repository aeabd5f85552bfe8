"""botocore's data loader, made cheap for a process's first clients (every CLI command, every cold Lambda).

botocore reads the same files either way; two of its choices cost time that nothing here needs:
- it decodes each JSON model into OrderedDicts through a Python hook, about 4x slower than json's C decoder
  (the 1.2 MB `endpoints.json` every client reads first takes ~80 ms). A dict keeps insertion order, so the
  models are the same.
- before loading one service's model it lists every service directory (~450) and stats each one's model
  files (~2,800 stats), for each kind of file (service, endpoint rules, paginators), to check that the one
  service exists. Looking in that service's own directories gives the same answer.
Half the time of building the first three clients (`bench` figure 6 shows it on `ps`). Search paths
(`AWS_DATA_PATH`, `~/.aws/models`, boto3's extras) and errors (`UnknownServiceError`) are botocore's.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from typing import Any, overload

import botocore.loaders
import botocore.session

_OPENERS: tuple[tuple[str, Callable[..., Any]], ...] = ((".json", open), (".json.gz", gzip.open))


class PlainJSONFileLoader(botocore.loaders.JSONFileLoader):
    """botocore's JSON file loader, decoding into plain dicts."""

    def load_file(self, file_path: str) -> Any:
        for extension, opener in _OPENERS:
            if os.path.isfile(file_path + extension):
                with opener(file_path + extension, "rb") as payload:
                    return json.loads(payload.read())
        return None


class KnownServices(Sequence[str]):
    """The services that have `type_name` data. `in` looks only in the asked service's directories; listing
    them (botocore's error message does) lists them all, as botocore does."""

    def __init__(self, loader: FastLoader, type_name: str) -> None:
        self._loader, self._type_name = loader, type_name

    def __contains__(self, service: object) -> bool:
        if not isinstance(service, str) or not service or os.sep in service:
            return False
        for search_path in self._loader.search_paths:
            service_dir = os.path.join(search_path, service)
            if os.path.isdir(service_dir) and any(
                self._loader.file_loader.exists(os.path.join(service_dir, version, self._type_name))
                for version in os.listdir(service_dir)
            ):
                return True
        return False

    @cached_property
    def _all(self) -> list[str]:
        return list(super(FastLoader, self._loader).list_available_services(self._type_name))

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all[index]

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)


class FastLoader(botocore.loaders.Loader):
    """botocore's loader with `PlainJSONFileLoader` and a one-service existence check."""

    # A Sequence where botocore declares a list: its callers test membership, sort, or return it.
    def list_available_services(self, type_name: str) -> KnownServices:  # type: ignore[override]
        return KnownServices(self, type_name)


def create_loader(search_path_string: str | None = None) -> FastLoader:
    """`botocore.loaders.create_loader`'s search paths (the `data_path` setting, AWS_DATA_PATH), a FastLoader."""
    paths = [os.path.expanduser(os.path.expandvars(path)) for path in (search_path_string or "").split(os.pathsep)]
    return FastLoader(extra_search_paths=[path for path in paths if path], file_loader=PlainJSONFileLoader())


def botocore_session() -> botocore.session.Session:
    """A botocore session whose clients load their models with `FastLoader`."""
    session = botocore.session.get_session()
    session.register_component("data_loader", create_loader(session.get_config_variable("data_path")))
    return session
