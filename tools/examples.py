"""Run every example in the README and docs/ against a fresh `omnishop serve --demo`.

Each page gets its own demo server (temporary SQLite file, free port), so every page's examples
work as written on a new installation. In a page, in order:

- a `graphql` block is posted to /graphql (each named operation of the block in turn); the
  variables an operation declares are filled from the values saved earlier under the same names;
- an `sh` block runs in bash, in a scratch directory where `.venv/bin/omnishop` is the omnishop
  under test on the server's database; `http://127.0.0.1:8000` stands for the server; saved
  values are environment variables;
- `json` blocks (answers) and blocks without a language (synopses) are not run.

An HTML comment just before a block, invisible on the rendered page, steers it:

    <!-- example: as=ann save=cart=cartCreate.cart.id save=order=checkoutComplete.order.id -->

    as=NAME         send `Authorization: Bearer <the value saved as NAME>`
    save=NAME=PATH  keep a value of the answer's `data` (dotted path; list items by index)
    expect=error    the block shows a refusal: it must answer an error or a user error
    skip=REASON     not run; the reason is reported

A block fails when it answers top-level `errors` or a non-empty `userErrors` anywhere (the text
says it succeeds), when an sh block exits non-zero, or when expect=error gets a success.
Usage: `python -m tools.examples [FILE ...]` (default: README.md and every page of docs/);
EXAMPLES_VERBOSE=1 prints every answer.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from graphql import GraphQLError, OperationDefinitionNode, parse

ROOT = Path(__file__).resolve().parent.parent
DOC_URL = "http://127.0.0.1:8000"
RUN = ("graphql", "sh")
# Not examples to run: the benchmarks are timed loads (tests/test_bench_smoke.py smokes the harness).
NOT_RUN = {"docs/performance.md"}
VERBOSE = bool(os.environ.get("EXAMPLES_VERBOSE"))  # print every answer
_BLOCK = re.compile(
    r"(?:<!--\s*example:(?P<spec>.*?)-->\s*\n)?^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```\s*$",
    re.DOTALL | re.MULTILINE,
)


@dataclass
class Example:
    path: str
    line: int
    lang: str
    body: str
    token: str | None = None
    saves: dict[str, str] = field(default_factory=dict)
    expect_error: bool = False
    skip: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.lang})"


class ExampleFailed(Exception):
    """The block did not do what the text says."""


def examples_in(text: str, path: str) -> Iterator[Example]:
    """The page's code blocks in order, with the directives of the comment before each."""
    for m in _BLOCK.finditer(text):
        example = Example(path, text.count("\n", 0, m.start("body")), m["lang"], m["body"])
        for word in shlex.split(m["spec"] or ""):
            key, _, value = word.partition("=")
            if key == "as":
                example.token = value
            elif key == "save":
                name, _, at = value.partition("=")
                example.saves[name] = at
            elif key == "expect" and value == "error":
                example.expect_error = True
            elif key == "skip":
                example.skip = value
            else:
                raise ValueError(f"{path}:{example.line}: unknown example directive {word!r}")
        yield example


def user_errors(value: Any) -> list[Any]:
    """Every non-empty `userErrors` list anywhere in an answer."""
    found: list[Any] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += item if key == "userErrors" and isinstance(item, list) else user_errors(item)
    elif isinstance(value, list):
        for item in value:
            found += user_errors(item)
    return found


def dig(answer_data: Any, path: str) -> Any:
    data = answer_data
    try:
        for part in path.split("."):
            data = data[int(part)] if isinstance(data, list) else (data or {}).get(part)
    except (IndexError, ValueError, AttributeError):
        data = None
    if data is None:
        raise ExampleFailed(f"nothing at {path!r} to save in {json.dumps(answer_data)[:400]}")
    return data


def judge(example: Example, answer: Any, saved: dict[str, Any]) -> None:
    """Fail unless the answer is what the text says; keep the values the block saves."""
    problems = (answer.get("errors") or []) + user_errors(answer.get("data")) if isinstance(answer, dict) else []
    if example.expect_error:
        if not problems:
            raise ExampleFailed(f"expected an error, got {json.dumps(answer)[:400]}")
        return
    if problems:
        raise ExampleFailed(json.dumps(problems, ensure_ascii=False)[:800])
    for name, at in example.saves.items():
        saved[name] = dig(answer.get("data", answer), at)


class Runner:
    """Runs one page's examples in order against one server."""

    def __init__(self, url: str, workdir: Path, env: dict[str, str]) -> None:
        self.url, self.workdir, self.env = url, workdir, env
        self.saved: dict[str, Any] = {}
        self.client = httpx.Client(timeout=30)

    def run(self, example: Example) -> None:
        if example.lang == "graphql":
            self.graphql(example)
        else:
            self.shell(example)

    def graphql(self, example: Example) -> None:
        operations = [d for d in parse(example.body).definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) > 1 and not all(op.name for op in operations):
            raise ExampleFailed("several operations in one block: name each (clients send an operationName)")
        headers = {}
        if example.token:
            headers["Authorization"] = f"Bearer {self.value(example.token)}"
        for op in operations:
            names = [v.variable.name.value for v in op.variable_definitions or ()]
            variables = {name: self.value(name) for name in names}
            body = {"query": example.body, "variables": variables, "operationName": op.name and op.name.value}
            answer = self.client.post(f"{self.url}/graphql", json=body, headers=headers).json()
            if VERBOSE:
                print(json.dumps(answer, ensure_ascii=False)[:2000])
            judge(example, answer, self.saved)

    def shell(self, example: Example) -> None:
        script = example.body.replace(DOC_URL, self.url)
        env = {**self.env, **{k: str(v) for k, v in self.saved.items()}}
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise ExampleFailed(f"exit {done.returncode}: {(done.stderr or done.stdout)[-800:]}")
        try:
            answer = json.loads(done.stdout)
        except ValueError:
            answer = None
        judge(example, answer, self.saved)

    def value(self, name: str) -> Any:
        if name not in self.saved:
            raise ExampleFailed(f"no earlier example saved a value named {name!r}")
        return self.saved[name]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_demo(workdir: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    """`omnishop serve --demo` on a fresh SQLite file; `.venv` in workdir is this Python's environment."""
    (workdir / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "REDIS_URL", "DEBUG", "PAYMENTS_SANDBOX"}}
    env |= {
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/omnishop.db",
        "DATA_DIR": str(workdir / ".omnishop"),
        "ORDER_EXPIRY_INTERVAL": "0",
        "LOG_LEVEL": "warning",
        "PATH": f"{workdir}/.venv/bin:{env['PATH']}",
        "PYTHONPATH": str(ROOT),  # this checkout's code, whichever checkout the environment was installed from
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (workdir / "server.log").open("wb") as log:  # the server keeps its own copy of the descriptor
        server = subprocess.Popen(
            [str(workdir / ".venv/bin/omnishop"), "serve", "--demo", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return server, url, env
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"the demo server did not start:\n{(workdir / 'server.log').read_text()[-3000:]}")


def run_page(path: Path) -> list[str]:
    """Run one page's examples on its own demo server; the failures, one line each."""
    rel = path.resolve().relative_to(ROOT).as_posix()
    examples = [e for e in examples_in(path.read_text(encoding="utf-8"), rel) if e.lang in RUN]
    if not examples:
        return []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="omnishop-examples-") as tmp:
        server, url, env = serve_demo(Path(tmp))
        runner = Runner(url, Path(tmp), env)
        try:
            for example in examples:
                if example.skip:
                    print(f"  skip {example}: {example.skip}")
                    continue
                started = time.monotonic()
                try:
                    runner.run(example)
                except (ExampleFailed, GraphQLError, httpx.HTTPError, ValueError, subprocess.TimeoutExpired) as e:
                    failures.append(f"{example}: {e}")
                    print(f"  FAIL {example}: {e}")
                else:
                    print(f"  ok   {example} {1000 * (time.monotonic() - started):.0f} ms")
        finally:
            runner.client.close()
            server.terminate()
            server.wait(10)
        if "Traceback" in (log := (Path(tmp) / "server.log").read_text(errors="replace")):
            failures.append(f"{rel}: the server logged a traceback:\n{log[-2000:]}")
    return failures


def default_pages() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").glob("*.md") if p.relative_to(ROOT).as_posix() not in NOT_RUN)
    return [ROOT / "README.md", *docs]


def main(argv: list[str]) -> int:
    pages = [Path(a) for a in argv] or default_pages()
    failures: list[str] = []
    for page in pages:
        print(page.resolve().relative_to(ROOT).as_posix(), flush=True)
        failures += run_page(page)
    print(f"\n{len(failures)} example(s) failed" if failures else "\nevery example ran as written")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
