"""``qaforge annotate serve|push|pull|status``: verification in Label Studio."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.table import Table

from qaforge.cli.console import console, progress_bar, user_errors
from qaforge.cli.context import AppState, app_state
from qaforge.cli.paths import output_folder
from qaforge.errors import QaforgeError
from qaforge.settings import settings_problems

if TYPE_CHECKING:
    from qaforge.pipeline.annotate import PushSummary

app = typer.Typer(
    help=(
        "Verify items in Label Studio: push them as tasks, pull the radiologists' "
        "verdicts, see progress and agreement (docs/annotation.md). The server and an "
        "admin token come from --url and QAFORGE_LS_TOKEN."
    ),
    no_args_is_help=True,
)

P = ParamSpec("P")
R = TypeVar("R")

UrlOption = Annotated[
    str | None,
    typer.Option(help="Label Studio server; default QAFORGE_LS_URL or http://127.0.0.1:8080."),
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        help="Name prefix of qaforge's projects; default QAFORGE_LS_PROJECT or qaforge.",
    ),
]


def server_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn Label Studio's refusals and silences into user errors (E903, E904)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from qaforge.pipeline.annotate_server import label_studio_errors

        with label_studio_errors():
            return command(*args, **kwargs)

    return wrapper


def _settings(url: str | None, project: str | None, media_root: Path | None = None):
    from qaforge.settings import LabelStudioSettings

    overrides: dict[str, object] = {}
    if url:
        overrides["url"] = url
    if project:
        overrides["project"] = project
    if media_root is not None:
        overrides["media_root"] = media_root
    try:
        return LabelStudioSettings(**overrides)
    except ValidationError as error:
        raise QaforgeError.of("E905", problem=settings_problems(error)) from None


@app.command("push")
@user_errors
@server_errors
def push_command(
    ctx: typer.Context,
    url: UrlOption = None,
    project: ProjectOption = None,
    media_root: Annotated[
        Path | None,
        typer.Option(
            help="The folder the server serves local files from (its "
            "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT); default QAFORGE_LS_MEDIA_ROOT or '.'."
        ),
    ] = None,
    protocol: Annotated[str, typer.Option(help="Image selection the tasks show.")] = "clinical",
    budget: Annotated[int, typer.Option(min=1, help="Budget of that selection.")] = 16,
    overlap: Annotated[
        int, typer.Option(min=1, max=20, help="Annotators per task (2 or more for agreement).")
    ] = 2,
    adjudicator: Annotated[
        str | None,
        typer.Option(help="E-mail of the annotator whose verdict settles disagreements."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=5000, help="Tasks per import request.")
    ] = 200,
) -> None:
    """Create or update the Label Studio projects and their tasks.

    One project per answer type; tasks show the item's slices, question,
    options, proposed answer (pre-filled as a prediction) and the report
    sentence with the finding's words highlighted. Items on a rules/LLM
    conflict and rare subtasks come first. Re-running sends only what is
    new or changed; a retired item's task is marked, never deleted. Items
    the annotators disagreed on go to an adjudication project. Nothing is
    sent that fails the PHI scan or carries a blocking check flag.
    """
    from qaforge.pipeline.annotate import push_items
    from qaforge.pipeline.annotate_server import label_studio_client

    settings = _settings(url, project, media_root)
    with label_studio_client(settings) as client, progress_bar() as progress:
        summary = push_items(
            app_state(ctx).engine(),
            client,
            name=settings.project,
            media_root=settings.media_root,
            protocol=protocol,
            budget=budget,
            overlap=overlap,
            adjudicator=adjudicator,
            batch_size=batch_size,
            progress=progress,
        )
    _print_push(summary)


def _print_push(summary: PushSummary) -> None:
    """The push's table of projects and its one-line summary."""
    table = Table(title="annotate push", title_justify="left")
    for column in ("project", "id", "imported", "updated", "retired", "unchanged"):
        table.add_column(column, justify="left" if column == "project" else "right")
    for row in summary.projects:
        table.add_row(
            row.title + (" (new)" if row.created else ""),
            str(row.ls_project_id),
            str(row.imported),
            str(row.updated),
            str(row.retired),
            str(row.unchanged),
        )
    console.print(table)
    console.print(
        f"annotate push: {summary.imported} tasks imported, {summary.updated} updated, "
        f"{summary.queued_for_adjudication} queued for adjudication; left out: "
        f"{summary.blocked_flags} with a blocking flag, {summary.blocked_phi} failing the PHI "
        f"scan (see 'qaforge quarantine'), {summary.no_images} without images"
    )


@app.command("pull")
@user_errors
@server_errors
def pull_command(ctx: typer.Context, url: UrlOption = None, project: ProjectOption = None) -> None:
    """Read every annotation and store one verdict per annotator.

    Corrections become the item's answer (with who and which annotation);
    items get a review status: verified, corrected, rejected or
    needs_adjudication. Edited annotations replace their earlier verdict,
    deleted ones stop counting; both stay in the history. Re-running
    changes nothing when nothing changed in Label Studio. Exits 1 when an
    annotation could not be read (it is quarantined with its task id).
    """
    from qaforge.pipeline.annotate import pull_verdicts
    from qaforge.pipeline.annotate_server import label_studio_client

    settings = _settings(url, project)
    with label_studio_client(settings) as client, progress_bar() as progress:
        summary = pull_verdicts(
            app_state(ctx).engine(), client, name=settings.project, progress=progress
        )
    for example in summary.examples:
        console.print(f"[yellow]unreadable annotation[/] {example}")
    outcomes = ", ".join(f"{count} {status}" for status, count in sorted(summary.outcomes.items()))
    console.print(
        f"annotate pull: {summary.annotations} annotations: {summary.new} new, {summary.edited} "
        f"edited, {summary.deleted} deleted, {summary.stale} stale, {summary.unchanged} unchanged, "
        f"{summary.skipped} skipped, {summary.invalid} unreadable; items: {outcomes}"
    )
    if summary.invalid:
        raise typer.Exit(1)


@app.command("status")
@user_errors
def status_command(ctx: typer.Context, project: ProjectOption = None) -> None:
    """Tasks per project, review progress, and agreement per subtask.

    Agreement is over the verdicts pulled last (run `annotate pull` first):
    Cohen's kappa for each pair of annotators and Fleiss' kappa over all,
    overall and per subtask. A rating is accept, reject, or correct with
    the corrected answer. Reads only the store; no server needed.
    """
    from qaforge.pipeline.annotate import annotation_status

    settings = _settings(None, project)
    status = annotation_status(app_state(ctx).engine(), name=settings.project)
    tasks = Table(title="tasks", title_justify="left")
    for column in ("purpose", "answer type", "state", "tasks"):
        tasks.add_column(column, justify="right" if column == "tasks" else "left")
    for purpose, answer_type, state, count in status.tasks:
        tasks.add_row(purpose, answer_type, state, str(count))
    console.print(tasks)
    console.print(
        "review: "
        + ", ".join(f"{count} {name}" for name, count in sorted(status.outcomes.items()))
        + " (active items)"
    )
    if status.annotators:
        console.print(
            "verdicts by annotator: "
            + ", ".join(f"{who} {count}" for who, count in status.annotators.items())
        )
    table = Table(title="agreement", title_justify="left")
    for column in (
        "subtask",
        "items",
        "rated twice+",
        "% agree",
        "Fleiss' kappa",
        "Krippendorff's alpha",
        "pairs (Cohen's kappa)",
    ):
        table.add_column(
            column, justify="left" if column in ("subtask", "pairs (Cohen's kappa)") else "right"
        )
    for row in (status.agreement.overall, *status.agreement.subtasks):
        pairs = "; ".join(
            f"{p.annotator_a} / {p.annotator_b}: {_kappa(p.kappa)} (n={p.n_items})"
            for p in row.pairs
        )
        table.add_row(
            row.subtask_id,
            str(row.n_items),
            str(row.n_multi),
            "-" if row.percent_agreement is None else f"{100 * row.percent_agreement:.1f}",
            _kappa(row.fleiss),
            _kappa(row.krippendorff_alpha),
            pairs or "-",
        )
    console.print(table)


def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@app.command("serve")
@user_errors
def serve_command(
    ctx: typer.Context,
    data_dir: Annotated[
        Path,
        typer.Option(
            help="Where the server keeps its database and uploads.", callback=output_folder
        ),
    ] = Path("labelstudio-data"),
    media_root: Annotated[
        Path, typer.Option(help="Folder served as local files (put the images folder under it).")
    ] = Path("."),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8080,
    venv: Annotated[Path, typer.Option(help="Label Studio's own virtual environment.")] = Path(
        ".venv-labelstudio"
    ),
    admin_email: Annotated[str, typer.Option(help="The admin's login.")] = "admin@example.com",
) -> None:
    """Run a local Label Studio server for a team or the demo, until Ctrl-C.

    It runs from its own virtual environment (create it with
    scripts/ensure-labelstudio.sh), listens on 127.0.0.1 only, and serves
    images under --media-root. The admin password and token come from
    QAFORGE_LS_ADMIN_PASSWORD and QAFORGE_LS_TOKEN, or are made up on first
    start and written to DATA_DIR/admin.env (mode 600); they are never printed.
    """
    from qaforge.pipeline.annotate_server import serve_label_studio

    serve_label_studio(
        data_dir=data_dir,
        media_root=media_root,
        port=port,
        venv=venv,
        admin_email=admin_email,
        reporter=PrintedServer(data_dir, admin_email, push_hint(app_state(ctx))),
    )


def push_hint(state: AppState) -> str:
    """The start of the push command serve suggests, naming a database that push can open.

    The ``--db`` given to serve is carried; without one, a missing default
    database is named as a placeholder, since push on it would fail (E306).
    """
    command = state.command("annotate", "push")
    if state.db_option or state.database_exists():
        return command
    return "qaforge --db sqlite:///PATH/TO/qaforge.db annotate push"


class PrintedServer:
    """A serve reporter that prints where the server is and how to use it."""

    def __init__(self, data_dir: Path, admin_email: str, push_command: str) -> None:
        self.data_dir = data_dir
        self.admin_email = admin_email
        self.push_command = push_command

    def starting(self, url: str) -> None:
        console.print(
            f"annotate serve: starting Label Studio on {url} (the first start takes about a minute)"
        )

    def ready(self, url: str, media_root: Path) -> None:
        env_file = self.data_dir / "admin.env"
        console.print(
            f"annotate serve: ready at {url}; log in as {self.admin_email} "
            f"(password and token in {env_file}). Then:\n"
            f"  set -a; . {env_file}; set +a\n"
            f"  {self.push_command} --url {url} --media-root {media_root}\n"
            "Ctrl-C stops the server."
        )

    def stopped(self) -> None:
        console.print("annotate serve: stopped")
