"""The GitHub Action: action.yml is well formed, every input is used and every output set, and its
shell steps, run locally with a fake GITHUB_* environment, scan once, write a valid SARIF file,
annotate the findings at or above fail-on, say so when code scanning refuses the upload, and gate
on findings only after the upload step. The README's workflow passes zizmor when it is installed.

The install step (``pip install`` of the action's checkout) needs a package index, so it is
checked by reading it; the pre-commit test installs this checkout the same way for real. Here a
``mcpiam`` on PATH runs this checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from mcpiam.secrets.families import expand_example

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
SARIF_SCHEMA = json.loads((ROOT / "testdata" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def step(step_id: str) -> dict:
    return next(s for s in STEPS if s.get("id") == step_id)


def index_of(predicate) -> int:
    return next(i for i, s in enumerate(STEPS) if predicate(s))


# --- static checks -------------------------------------------------------------------------------


def test_action_metadata_is_complete() -> None:
    assert {"name", "description", "runs", "inputs", "outputs", "branding"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "fail-on", "policy", "baseline", "format", "upload", "category",
                                      "history"}
    for name, spec in ACTION["inputs"].items():
        assert spec["description"] and "default" in spec, name


def test_run_steps_take_inputs_only_through_env() -> None:
    run_steps = [s for s in STEPS if "run" in s]
    assert run_steps
    for s in run_steps:
        assert s["shell"] == "bash", s["name"]
        assert "${{" not in s["run"], f"expression inside run: of {s['name']!r} (script injection)"


def test_every_uses_is_pinned_to_a_commit() -> None:
    for s in STEPS:
        if "uses" in s:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", s["uses"]), s["uses"]


def test_every_input_is_used() -> None:
    text = json.dumps(STEPS)
    for name in ACTION["inputs"]:
        assert re.search(rf"\binputs\.{re.escape(name)}\b", text), f"input {name} is never used"


def test_every_output_comes_from_a_step_that_writes_it() -> None:
    for name, spec in ACTION["outputs"].items():
        found = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert found, name
        assert found.group(2) == name
        assert "GITHUB_OUTPUT" in step(found.group(1))["run"], name
    # That each one really is set is checked by running the steps (below).


def test_install_comes_from_the_action_checkout() -> None:
    install = step("install")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert re.search(r'pip install .*"\$ACTION_PATH"', install["run"])
    assert index_of(lambda s: "setup-python" in s.get("uses", "")) < index_of(lambda s: s.get("id") == "install")


def test_upload_runs_even_when_the_scan_fails_and_the_gate_comes_after_it() -> None:
    upload = index_of(lambda s: "upload-sarif" in s.get("uses", ""))
    gate = index_of(lambda s: "EXIT_CODE" in s.get("env", {}))
    assert index_of(lambda s: s.get("id") == "scan") < upload < gate
    assert "always()" in STEPS[upload]["if"]
    assert STEPS[upload]["with"] == {"sarif_file": "${{ steps.scan.outputs.sarif-path }}",
                                     "category": "${{ inputs.category }}"}


# --- running the shell steps ---------------------------------------------------------------------


def evaluate(expression: str, contexts: dict[str, str], steps_outputs: dict[str, dict[str, str]]) -> object:
    """The little of the GitHub expression language this action uses: a context, a string literal,
    ``==``/``!=`` between them, ``always()``, and ``&&`` of those."""
    def operand(text: str) -> str:
        text = text.strip()
        if text.startswith("'") and text.endswith("'"):
            return text[1:-1]
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text)
        if found:
            return steps_outputs.get(found.group(1), {}).get(found.group(2), "")
        found = re.fullmatch(r"steps\.([\w-]+)\.outcome", text)
        if found:  # a step that did not run has no outcome
            return steps_outputs.get(found.group(1), {}).get(".outcome", "")
        return contexts[text]

    def term(text: str) -> object:
        text = text.strip()
        if text == "always()":
            return True
        for operator, outcome in (("!=", False), ("==", True)):
            if operator in text:
                left, right = text.split(operator)
                return (operand(left) == operand(right)) is outcome
        return operand(text)

    terms = [term(part) for part in expression.split("&&")]
    return terms[0] if len(terms) == 1 else all(terms)


def substitute(text: str, contexts: dict[str, str], steps_outputs: dict[str, dict[str, str]]) -> str:
    return EXPRESSION.sub(lambda m: str(evaluate(m.group(1), contexts, steps_outputs)), text)


def read_outputs(path: Path) -> dict[str, str]:
    outputs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            outputs[key] = value
    return outputs


def run_action(workspace: Path, runner: Path, inputs: dict[str, str], upload_outcome: str = "success",
               event: dict[str, str] | None = None) -> dict:
    """Run the action's steps in order as a runner would, skipping what needs the network; the
    upload's outcome is ``upload_outcome`` ("failure": a repository without code scanning)."""
    given = {name: inputs.get(name, str(spec["default"])) for name, spec in ACTION["inputs"].items()}
    contexts = {f"inputs.{name}": value for name, value in given.items()}
    contexts.update({"github.action_path": str(ROOT), "runner.temp": str(runner / "temp"),
                     "github.event_name": "pull_request", "github.event.pull_request.base.sha": "",
                     "github.event.before": ""})
    contexts.update(event or {})
    (runner / "temp").mkdir(parents=True, exist_ok=True)
    bin_dir = runner / "bin"
    bin_dir.mkdir(exist_ok=True)
    scans = runner / "scans"  # one line per `mcpiam` run
    for name, command in (("python", f'exec "{sys.executable}" "$@"'),
                          ("mcpiam", f'echo "$*" >> "{scans}"\nexec "{sys.executable}" -m mcpiam "$@"')):
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\n{command}\n", encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    summary = runner / "summary.md"
    base_env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "scanner"),
        "HOME": os.environ.get("HOME", str(runner)),
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(runner / "temp"),
        "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ENV": str(runner / "env"), "GITHUB_PATH": str(runner / "path"),
    }
    steps_outputs: dict[str, dict[str, str]] = {}
    log: dict = {"steps": [], "uploaded": False, "failed": False}
    for s in STEPS:
        condition = s.get("if", "success()")
        if condition == "success()":
            should_run = not log["failed"]
        else:
            should_run = bool(evaluate(condition, contexts, steps_outputs))
        if not should_run:
            continue
        if "uses" in s:
            if "upload-sarif" in s["uses"]:
                log["uploaded"] = substitute(s["with"]["sarif_file"], contexts, steps_outputs)
                log["category"] = substitute(s["with"]["category"], contexts, steps_outputs)
                steps_outputs[s["id"]] = {".outcome": upload_outcome}
                if upload_outcome == "failure" and not s.get("continue-on-error"):
                    log["failed"] = True
            continue  # setup-python and the upload need GitHub
        if s.get("id") == "install":
            continue  # pip install from the index: see the module docstring
        output_file = runner / f"output-{len(log['steps'])}"
        output_file.write_text("", encoding="utf-8")
        env = {**base_env, "GITHUB_OUTPUT": str(output_file)}
        env.update({key: substitute(str(value), contexts, steps_outputs) for key, value in s.get("env", {}).items()})
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", s["run"]], cwd=workspace, env=env,
                              capture_output=True, text=True, timeout=300)
        log["steps"].append((s["name"], done.returncode, done.stdout + done.stderr))
        log.setdefault("stdout", []).append(done.stdout)
        if s.get("id"):
            steps_outputs[s["id"]] = read_outputs(output_file)
        if done.returncode != 0:
            log["failed"] = True
    log["outputs"] = {name: substitute(spec["value"], contexts, steps_outputs)
                      for name, spec in ACTION["outputs"].items()}
    log["summary"] = summary.read_text(encoding="utf-8") if summary.exists() else ""
    log["scans"] = scans.read_text(encoding="utf-8").splitlines() if scans.exists() else []
    return log


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A repository with a leaked token (critical) and a plain-http server (medium)."""
    root = tmp_path / "workspace"
    (root / ".cursor").mkdir(parents=True)
    token = expand_example("ghp_{github_crc:30}")
    (root / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "acme-github-mcp@1.4.2"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": token}},
        "tickets": {"url": "http://tickets.example.com/mcp"},
    }}, indent=2) + "\n", encoding="utf-8")
    # Both servers are owned, so only the three findings the tests count are reported.
    (root / ".mcpiam.yaml").write_text(
        "owners:\n  - match: {name: '*'}\n    owner: '@acme/security'\n    purpose: tests\n"
        "    secret_source: none\n    revocation: 'https://wiki.acme.example/revoke'\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=60)
    return root


def test_findings_are_written_as_valid_sarif_and_fail_after_the_upload(workspace: Path, tmp_path: Path) -> None:
    log = run_action(workspace, tmp_path / "runner", {"category": "mcp-configs"})
    names = [name for name, _, _ in log["steps"]]
    codes = {name: code for name, code, _ in log["steps"]}
    assert codes["Scan MCP configs"] == 0, log["steps"]
    assert codes[names[-1]] == 1 and "finding(s) at or above high" in log["steps"][-1][2]
    sarif_path = Path(log["outputs"]["sarif-path"])
    assert log["uploaded"] == str(sarif_path) and log["category"] == "mcp-configs"
    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    levels = sorted(r["properties"]["severity"] for r in sarif["runs"][0]["results"])
    assert levels == ["critical", "high", "medium"]  # embedded-secret, unscoped-token, insecure-transport
    assert log["outputs"] | {"sarif-path": ""} == {
        "sarif-path": "", "findings": "3", "failing": "2", "critical": "1", "high": "1", "medium": "1",
        "low": "0", "info": "0", "exit-code": "1",
    }
    assert ".cursor/mcp.json:" in log["steps"][0][2]  # the text report in the job log
    assert "|1|1|1|0|0|2|" in log["summary"]
    assert len(log["scans"]) == 1 and log["scans"][0].startswith("scan "), log["scans"]  # one scan
    # The two findings at or above high are annotated on the pull request; the medium one is not.
    annotations = [line for line in log["stdout"][0].splitlines() if line.startswith("::error file=")]
    assert [re.search(r"title=mcpiam ([\w-]+)", line).group(1) for line in annotations] == [
        "embedded-secret", "unscoped-token"]
    assert all(line.startswith("::error file=.cursor/mcp.json,line=") for line in annotations)
    assert "Say why code scanning has no results" not in names


def test_without_code_scanning_the_upload_warns_and_findings_still_annotate_and_fail(
        workspace: Path, tmp_path: Path) -> None:
    log = run_action(workspace, tmp_path / "runner", {}, upload_outcome="failure")
    codes = {name: code for name, code, _ in log["steps"]}
    assert codes == {"Scan MCP configs": 0, "Say why code scanning has no results": 0,
                     "Fail on findings at or above fail-on": 1}
    said = dict((name, output) for name, _, output in log["steps"])["Say why code scanning has no results"]
    assert said.startswith("::warning title=mcpiam::") and "code scanning is probably not enabled" in said
    assert "::error file=.cursor/mcp.json" in log["stdout"][0]


def test_the_upload_step_cannot_fail_the_job_and_the_warning_follows_it() -> None:
    upload = step("upload")
    assert upload["continue-on-error"] is True
    warn = index_of(lambda s: s.get("name") == "Say why code scanning has no results")
    assert STEPS[warn]["if"] == "always() && steps.upload.outcome == 'failure'"
    assert index_of(lambda s: s.get("id") == "upload") < warn


def test_upload_false_fail_on_critical_json_log_and_several_paths(workspace: Path, tmp_path: Path) -> None:
    (workspace / "other").mkdir()
    log = run_action(workspace, tmp_path / "runner", {
        "upload": "false", "fail-on": "critical", "format": "json", "paths": ".cursor/mcp.json\nother",
    })
    assert log["uploaded"] is False
    assert [code for _, code, _ in log["steps"]] == [0, 1]
    report, _, annotations = log["stdout"][0].partition("\n::")
    assert json.loads(report)["summary"]["findings"] == 3
    assert annotations.count("error file=") == 1  # only the critical one
    assert log["outputs"]["failing"] == "1"


def test_a_baseline_input_hides_known_findings(workspace: Path, tmp_path: Path) -> None:
    created = subprocess.run([sys.executable, "-m", "mcpiam", "baseline", "create"], cwd=workspace,
                             env={**os.environ, "PYTHONPATH": str(ROOT / "scanner")}, capture_output=True, text=True,
                             timeout=120)
    assert created.returncode == 0, created.stderr
    log = run_action(workspace, tmp_path / "runner", {"baseline": ".mcpiam-baseline.json"})
    assert [code for _, code, _ in log["steps"]] == [0, 0]
    assert log["outputs"]["findings"] == "0" and log["outputs"]["exit-code"] == "0"
    assert "3 baselined" in log["steps"][0][2]
    sarif = json.loads(Path(log["outputs"]["sarif-path"]).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []


def test_a_scan_error_fails_the_scan_step_and_skips_the_upload(workspace: Path, tmp_path: Path) -> None:
    log = run_action(workspace, tmp_path / "runner", {"baseline": "missing-baseline.json"})
    assert [code for _, code, _ in log["steps"]] == [2]
    assert "did not complete" in log["steps"][0][2]
    assert log["uploaded"] is False


def test_readme_example_workflow_uses_real_inputs_and_the_permissions_it_needs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- action-example -->\s*```yaml\n(.+?)```", text, re.DOTALL)
    assert found, "README has no action example"
    workflow = yaml.safe_load(found.group(1))
    [job] = workflow["jobs"].values()
    assert workflow["permissions"] == {}  # nothing at the workflow level: the job asks for its own
    assert job["permissions"]["security-events"] == "write"
    assert job["permissions"]["contents"] == "read"
    [ours] = [s for s in job["steps"] if s["uses"].startswith("mcpiam/mcpiam@")]
    assert set(ours["with"]) <= set(ACTION["inputs"])
    assert job["steps"][0]["uses"].startswith("actions/checkout@")
    assert job["steps"][0]["with"]["persist-credentials"] is False
    for used in job["steps"]:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", used["uses"]), used["uses"]


def readme_workflow() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"<!-- action-example -->\s*```yaml\n(.+?)```", text, re.DOTALL).group(1)


ZIZMOR = shutil.which("zizmor") or shutil.which("zizmor", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(ZIZMOR is None, reason="zizmor is not installed (pip install -e '.[test]' installs it)")
def test_zizmor_finds_nothing_in_the_action_or_the_readme_workflow(tmp_path: Path) -> None:
    """The same check as .ci/run: zizmor, offline and pedantic, over action.yml and the README's
    workflow written out as a workflow file."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "mcpiam.yml").write_text(readme_workflow(), encoding="utf-8")
    for target in (ROOT / "action.yml", workflows / "mcpiam.yml"):
        done = subprocess.run([ZIZMOR, "--offline", "--persona", "pedantic", "--no-progress", str(target)],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "NO_COLOR": "1"})
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No findings" in done.stdout, done.stdout


def test_policy_is_passed_only_when_given() -> None:
    script = step("scan")["run"]
    assert 'if [ -n "$INPUT_POLICY" ]; then options+=(--policy "$INPUT_POLICY"); fi' in script


def test_a_typo_in_paths_fails_the_scan_step_instead_of_passing_clean(workspace: Path, tmp_path: Path) -> None:
    log = run_action(workspace, tmp_path / "runner", {"paths": ".cursor/mcp.json\n.cursr"})
    assert [code for _, code, _ in log["steps"]] == [2]
    assert "cannot scan .cursr: no such file or folder" in log["steps"][0][2]
    assert "did not complete" in log["steps"][0][2]
    assert log["uploaded"] is False


# --- git history ---------------------------------------------------------------------------------


@pytest.fixture()
def history_workspace(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose pull request added a token and removed it again: only history holds it."""
    from git_repos import RepoBuilder

    repo = RepoBuilder(tmp_path / "repo")
    clean = json.dumps({"mcpServers": {"github": {"command": "npx", "args": ["-y", "acme-github-mcp@1.4.2"],
                                                  "env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}}, indent=2) + "\n"
    leaked = clean.replace("${env:GITHUB_TOKEN}", expand_example("ghp_{github_crc:30}"))
    base = repo.commit({".mcpiam.yaml": "owners:\n  - match: {name: '*'}\n    owner: '@acme/security'\n"
                        "    purpose: tests\n    secret_source: vault\n    revocation: 'https://wiki.acme.example/r'\n",
                        ".cursor/mcp.json": clean})
    repo.commit({".cursor/mcp.json": leaked})
    repo.commit({".cursor/mcp.json": clean})
    repo.checkout()
    return repo.path, base.decode()


def test_history_auto_reads_the_pull_requests_commits(history_workspace, tmp_path: Path) -> None:
    root, base = history_workspace
    log = run_action(root, tmp_path / "runner", {"upload": "false"},
                     event={"github.event.pull_request.base.sha": base})
    assert log["scans"] and f"--range {base}..HEAD" in log["scans"][0]
    assert log["outputs"]["critical"] == "1" and log["failed"]  # the removed token fails the job
    annotations = "".join(log["stdout"])
    assert "::error file=.cursor/mcp.json" in annotations and "still in history" in annotations


def test_history_auto_says_when_the_base_is_not_in_the_clone(history_workspace, tmp_path: Path) -> None:
    root, _ = history_workspace
    log = run_action(root, tmp_path / "runner", {"upload": "false"},
                     event={"github.event.pull_request.base.sha": "f" * 40})
    assert "--range" not in log["scans"][0] and "--history" not in log["scans"][0]
    assert "is not in this clone" in "".join(log["stdout"]) and not log["failed"]


@pytest.mark.parametrize(("history", "option"), [("true", "--history"), ("false", None)])
def test_history_true_reads_every_commit_and_false_none(history_workspace, tmp_path: Path, history, option) -> None:
    root, base = history_workspace
    log = run_action(root, tmp_path / "runner", {"upload": "false", "history": history},
                     event={"github.event.pull_request.base.sha": base})
    assert ("--range" in log["scans"][0]) is False
    assert (option is not None and option in log["scans"][0]) or (option is None and "--history" not in log["scans"][0])
    assert log["failed"] is (history == "true")


def test_an_unknown_history_value_fails_the_scan_step(history_workspace, tmp_path: Path) -> None:
    root, _ = history_workspace
    log = run_action(root, tmp_path / "runner", {"history": "yes"})
    codes = {name: code for name, code, _ in log["steps"]}
    assert codes["Scan MCP configs"] == 2 and not log["scans"]
