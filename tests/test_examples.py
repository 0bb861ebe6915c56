"""The README's examples run as written (tools/examples.py; CI runs every page of docs/ the same way).

The runner's own rules are pinned first: a block fails on `errors` or a non-empty `userErrors`
unless marked `expect=error`, and a document of several anonymous operations is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.examples import Example, ExampleFailed, Runner, examples_in, judge, run_page

ROOT = Path(__file__).resolve().parent.parent

PAGE = """Text.

<!-- example: as=ann save=cart=cartCreate.cart.id expect=error skip="a reason" -->
```graphql
{ a }
```

```json
{"data": {}}
```
"""


def test_a_comment_before_a_block_steers_it_and_answers_are_not_run() -> None:
    first, answer = examples_in(PAGE, "page.md")
    assert (first.line, first.lang, first.body) == (4, "graphql", "{ a }\n")
    assert (first.token, first.saves, first.expect_error, first.skip) == (
        "ann",
        {"cart": "cartCreate.cart.id"},
        True,
        "a reason",
    )
    assert answer.lang == "json"


def test_user_errors_fail_a_block_unless_it_expects_a_refusal() -> None:
    refused = {"data": {"cartCreate": {"cart": None, "userErrors": [{"code": "INVALID"}]}}}
    with pytest.raises(ExampleFailed, match="INVALID"):
        judge(Example("p.md", 1, "graphql", ""), refused, {})
    judge(Example("p.md", 1, "graphql", "", expect_error=True), refused, {})
    with pytest.raises(ExampleFailed, match="expected an error"):
        judge(Example("p.md", 1, "graphql", "", expect_error=True), {"data": {"a": {"userErrors": []}}}, {})
    saved: dict[str, object] = {}
    judge(
        Example("p.md", 1, "graphql", "", saves={"v": "p.edges.0.id"}), {"data": {"p": {"edges": [{"id": "X"}]}}}, saved
    )
    assert saved == {"v": "X"}


def test_a_block_of_several_anonymous_operations_is_refused() -> None:
    runner = Runner("http://127.0.0.1:9", ROOT, {})
    with runner.client, pytest.raises(ExampleFailed, match="name each"):
        runner.run(Example("p.md", 1, "graphql", "{ a }\nmutation { b }"))


def test_every_example_in_the_readme_runs_against_a_demo_server() -> None:
    assert run_page(ROOT / "README.md") == []


def test_the_configuration_reference_is_generated_from_the_settings() -> None:
    from tools.config_docs import PAGE, render

    assert PAGE.read_text(encoding="utf-8") == render(), "run `python -m tools.config_docs` and commit the page"
