"""The remote flavour: a model served over the Open Inference Protocol (KServe V2 REST).

Triton, KServe and Seldon MLServer speak it. The client sends one request per batch::

    POST {base}/v2/models/{name}[/versions/{version}]/infer
    {"inputs": [{"name": "input-0", "shape": [n, k], "datatype": "FP64", "data": [...]}],
     "outputs": [{"name": "predict_proba"}]}

and reads the requested output's ``shape`` and flat ``data``. ``GET .../ready`` answers 200 when
the model can serve. Connection errors (refused, reset) and 5xx answers are retried with
exponential backoff (the same ``RetryPolicy`` as steps; inference is safe to send twice); a 4xx
answer is the request's fault and is not retried; a read that exceeds the timeout is a
``ModelTimeout`` (the calling step's policy may retry it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from numpy.typing import NDArray

from officeflow.models.errors import ModelRejected, ModelTimeout, ModelUnavailable
from officeflow.models.flavours.tabular import TabularSpec
from officeflow.models.inputs import InputChecker
from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction
from officeflow.retry import Retry, RetryPolicy

_DATATYPES = {"FP32": np.float32, "FP64": np.float64, "INT32": np.int32, "INT64": np.int64, "BOOL": np.bool_}


@dataclass(frozen=True, kw_only=True)
class OipEndpoint:
    """Where a remote model is, and how patiently to call it."""

    base_url: str
    model: str
    version: str | None = None
    output: str = "predict_proba"
    datatype: str = "FP64"
    timeout: float = 10.0
    connect_timeout: float = 2.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=3, initial_delay=0.1, max_delay=2.0))
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        version = f"/versions/{self.version}" if self.version else ""
        return f"/v2/models/{self.model}{version}"

    def as_dict(self) -> dict[str, Any]:
        """The endpoint as JSON (headers left out: they may hold credentials)."""
        return {
            "base_url": self.base_url,
            "model": self.model,
            "version": self.version,
            "output": self.output,
            "datatype": self.datatype,
            "timeout": self.timeout,
            "connect_timeout": self.connect_timeout,
            "retry": {"max_attempts": self.retry.max_attempts, "initial_delay": self.retry.initial_delay},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> OipEndpoint:
        retry = data.get("retry") or {}
        return cls(
            base_url=str(data["base_url"]),
            model=str(data["model"]),
            version=data.get("version"),
            output=str(data.get("output", "predict_proba")),
            datatype=str(data.get("datatype", "FP64")),
            timeout=float(data.get("timeout", 10.0)),
            connect_timeout=float(data.get("connect_timeout", 2.0)),
            retry=RetryPolicy(
                max_attempts=int(retry.get("max_attempts", 3)),
                initial_delay=float(retry.get("initial_delay", 0.1)),
                max_delay=2.0,
            ),
            headers=dict(headers or {}),
        )


class OipClient:
    """Calls one remote model; thread-safe (one pooled httpx client)."""

    def __init__(
        self,
        endpoint: OipEndpoint,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if endpoint.datatype not in _DATATYPES:
            raise ValueError(f"datatype must be one of {', '.join(_DATATYPES)}, not {endpoint.datatype!r}")
        self.endpoint = endpoint
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=endpoint.base_url,
            timeout=httpx.Timeout(endpoint.timeout, connect=endpoint.connect_timeout),
            headers=dict(endpoint.headers),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OipClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ready(self) -> bool:
        """Whether the server says the model is ready (any failure to ask is 'not ready')."""
        try:
            return self._http.get(self.endpoint.path + "/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def infer(self, matrix: NDArray[Any]) -> NDArray[Any]:
        """The requested output for a (n, k) input matrix, shaped as the server says."""
        body = {
            "inputs": [
                {
                    "name": "input-0",
                    "shape": list(matrix.shape),
                    "datatype": self.endpoint.datatype,
                    "data": matrix.astype(_DATATYPES[self.endpoint.datatype]).ravel().tolist(),
                }
            ],
            "outputs": [{"name": self.endpoint.output}],
        }
        answer = self._post(self.endpoint.path + "/infer", body)
        return self._output(answer)

    def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        where = f"{self.endpoint.base_url}{path}"
        failures: list[str] = []
        while True:
            try:
                response = self._http.post(path, json=body)
            except httpx.TimeoutException as exc:
                if not isinstance(exc, httpx.ConnectTimeout):
                    raise ModelTimeout(f"{where}: no answer within {self.endpoint.timeout:g} s") from None
                failures.append(f"connect timeout after {self.endpoint.connect_timeout:g} s")
            except httpx.ConnectError as exc:
                failures.append(f"cannot connect ({exc})")
            except httpx.TransportError as exc:  # reset or closed connections: inference is safe to send again
                failures.append(f"connection failed ({type(exc).__name__}: {exc})")
            else:
                if response.status_code < 400:
                    try:
                        return response.json()
                    except ValueError:
                        raise ModelRejected(f"{where}: the answer is not JSON") from None
                if response.status_code < 500:
                    raise ModelRejected(f"{where}: HTTP {response.status_code}: {_error_text(response)}")
                failures.append(f"HTTP {response.status_code}: {_error_text(response)}")
            decision = self.endpoint.retry.decide(attempt=len(failures), error_types=["ModelUnavailable"])
            if not isinstance(decision, Retry):
                first = f"; first: {failures[0]}" if failures[0] != failures[-1] else ""
                raise ModelUnavailable(f"{where}: {failures[-1]} (after {len(failures)} attempts{first})")
            self._sleep(decision.delay)

    def _output(self, answer: Any) -> NDArray[Any]:
        name = self.endpoint.output
        try:
            outputs = answer["outputs"]
            chosen = next((o for o in outputs if o["name"] == name), None)
            if chosen is None:
                found = ", ".join(str(o.get("name")) for o in outputs)
                raise ModelRejected(f"the answer has no output named {name!r} (it has: {found or 'none'})")
            data = np.asarray(chosen["data"])
            return data.reshape([int(d) for d in chosen["shape"]])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelRejected(f"the answer is not an Open Inference Protocol response: {exc!r}") from None


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
        if isinstance(data, dict) and "error" in data:
            return str(data["error"])[:300]
    except ValueError:
        pass
    return response.text[:300] or response.reason_phrase


class OipModel:
    """A tabular model served elsewhere over the Open Inference Protocol."""

    def __init__(self, metadata: ModelMetadata, client: OipClient, spec: TabularSpec) -> None:
        self._metadata = metadata
        self._client = client
        self._spec = spec
        self._checker = InputChecker(metadata.input_schema)

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    @property
    def client(self) -> OipClient:
        return self._client

    def close(self) -> None:
        """Close the HTTP connections (the model cannot predict afterwards)."""
        self._client.close()

    def __enter__(self) -> OipModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        if not items:
            return []
        self._checker.check(items)
        result = self._client.infer(self._spec.matrix(items))
        if len(result) != len(items):
            raise ModelRejected(f"{self._client.endpoint.model}: {len(result)} results for {len(items)} items")
        return self._spec.predictions(result)
