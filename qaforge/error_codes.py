"""The table of qaforge's error codes: for each, its class, message, hint and meaning.

A code is stable: scripts and the docs refer to it. ``message`` and ``hint``
are :meth:`str.format` templates whose named fields the raise site fills in
(``"catalogue {path}: {problem}"``); where one code covers several situations
a field such as ``{problem}`` carries what differs. ``meaning`` is the line
docs/errors.md shows for the code (:func:`errors_doc_table` renders it).

Fields hold paths, names, counts and the reasons of libraries, never report
text (PHI) or secrets. This module and :mod:`qaforge.errors` are the bottom
layer: they import nothing else from qaforge.
"""

# Long: one table of every error code, read by docs and tests as a whole; split, codes would be looked for in several files.
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Literal

ErrorClass = Literal[
    "QaforgeError",
    "ConfigError",
    "InputFileError",
    "StoreError",
    "RulesError",
    "LabelStudioServerError",
]


@dataclass(frozen=True)
class ErrorCode:
    """One row of the table.

    Attributes:
        error_class: Name of the :mod:`qaforge.errors` class raised.
        message: Template of what was wrong, with the actual values.
        hint: Template of the next step for the user ("" for none).
        meaning: One line for docs/errors.md (Markdown).
    """

    error_class: ErrorClass
    message: str
    hint: str
    meaning: str

    @property
    def fields(self) -> frozenset[str]:
        """The names of the fields that ``message`` and ``hint`` use."""
        return template_fields(self.message) | template_fields(self.hint)


def template_fields(template: str) -> frozenset[str]:
    """The field names of a :meth:`str.format` template.

    Args:
        template: E.g. ``"port {port} on {host} is already in use"``.

    Returns:
        The names, e.g. ``{"port", "host"}``; ``{name.attr}`` or ``{name[0]}``
        count as the whole expression, so that a test can refuse them.
    """
    return frozenset(
        field for _, field, _, _ in string.Formatter().parse(template) if field is not None
    )


_MAPPING_HINT = (
    "see qaforge/ingest/default_series_mapping.yaml for the format "
    "(sequences: {sequences}; views: {views})"
)

ERRORS: dict[str, ErrorCode] = {
    "E001": ErrorCode(
        "ConfigError",
        "packaged data {name!r} not found (looked in {looked_in})",
        "reinstall qaforge; the wheel is incomplete",
        "a shipped data folder is missing: the installation is incomplete",
    ),
    "E002": ErrorCode(
        "ConfigError",
        "invalid settings: {problems}",
        "check --db and QAFORGE_* variables",
        "invalid settings (`--db`, `QAFORGE_*` variables)",
    ),
    "E004": ErrorCode(
        "ConfigError",
        "extractor {extractor!r} is not available",
        "use --extractor rules, llm or both",
        "`extract --extractor` is not `rules`, `llm` or `both`",
    ),
    "E005": ErrorCode(
        "ConfigError",
        "--input and --output go together",
        "give both, or neither to use the database",
        "`extract --input` without `--output` (or the reverse)",
    ),
    "E006": ErrorCode(
        "ConfigError",
        "invalid LLM setting {setting}: {problem}",
        "see docs/llm.md for QAFORGE_LLM_* settings",
        "an LLM setting (`QAFORGE_LLM_*` or its option) is invalid, e.g. `--response-format xml`",
    ),
    "E007": ErrorCode(
        "ConfigError",
        "reconciliation policy {arguments!r} not understood ({state}: {problem})",
        "use agree=keep|review, rules_only=keep|drop|review, llm_only=keep|drop|review, "
        "conflict=rules|llm|drop|review",
        "`extract --policy` is not `STATE=DECISION` with a known state and decision",
    ),
    "E011": ErrorCode(
        "ConfigError",
        "executor {kind!r} is not available",
        "use --executor {choices}",
        "`--executor` is not `process` or `dask`",
    ),
    "E012": ErrorCode(
        "ConfigError",
        "{problem}",
        "e.g. --executor dask --scheduler tcp://HOST:8786 (docs/distributed.md)",
        "`--executor dask` without `--scheduler`, or `--scheduler` without `--executor dask`",
    ),
    "E013": ErrorCode(
        "ConfigError",
        "--executor dask needs Dask distributed, which is not installed",
        "install the extra: pip install 'qaforge[dask]'",
        "`--executor dask` but the optional extra `qaforge[dask]` is not installed",
    ),
    "E014": ErrorCode(
        "ConfigError",
        "cannot reach the Dask scheduler at {address} within {seconds} s ({problem})",
        "start one with 'dask scheduler' and workers with 'dask worker ADDRESS', "
        "then check --scheduler",
        "the Dask scheduler of `--scheduler` cannot be reached (not running, wrong address)",
    ),
    "E015": ErrorCode(
        "ConfigError",
        "Dask worker {worker} cannot write into {folder}: {problem}",
        "workers need the same filesystem as this machine at the same paths, qaforge "
        "installed, and write access (docs/distributed.md)",
        "a Dask worker cannot write into the output folder (not shared, not writable, "
        "no qaforge on the worker)",
    ),
    "E101": ErrorCode(
        "InputFileError",
        "report file {path} does not exist",
        "check the path",
        "report file does not exist",
    ),
    "E102": ErrorCode(
        "InputFileError",
        "{path} is not a file",
        "give a .jsonl, .csv or .parquet file",
        "report path is not a file",
    ),
    "E103": ErrorCode(
        "InputFileError",
        "cannot read {file}: unknown report format {suffix!r}",
        "use one of {formats}",
        "unknown report file format",
    ),
    "E104": ErrorCode(
        "InputFileError",
        "{file}: header lacks column(s) {missing} (has {columns})",
        "the header must name {required} (study_date, accession optional)",
        "CSV header lacks required columns",
    ),
    "E105": ErrorCode(
        "InputFileError",
        "cannot read {kind} file {file}: {problem}",
        "check the file",
        "Parquet, Excel or CSV file cannot be read (not a Parquet file, a broken header)",
    ),
    "E106": ErrorCode(
        "InputFileError",
        "{file}: column(s) {columns} appear more than once in the header",
        "keep one column of each name: which one holds the data cannot be guessed",
        "CSV, Excel or Parquet file names a column twice",
    ),
    "E107": ErrorCode(
        "InputFileError",
        "cannot read findings file {path}: {problem}",
        "check the path",
        "findings file for `score-extraction` cannot be read",
    ),
    "E201": ErrorCode(
        "ConfigError",
        "mapping file {path} {problem}",
        "check the --mapping path, or leave it out to use the shipped default mapping",
        "series mapping file unreadable (missing, a folder, not UTF-8)",
    ),
    "E202": ErrorCode(
        "ConfigError",
        "{source} {problem}",
        _MAPPING_HINT,
        "series mapping file is not YAML, or not a YAML mapping",
    ),
    "E203": ErrorCode(
        "ConfigError",
        "{source}: {problems}",
        _MAPPING_HINT,
        "series mapping: unknown key (allowed keys listed), sequence/view outside the "
        "vocabulary, missing field",
    ),
    "E204": ErrorCode(
        "ConfigError",
        "{source}: {problems}",
        _MAPPING_HINT,
        "series mapping: a pattern is not a valid regex, or contains `_` (names are "
        "normalised to spaces)",
    ),
    "E205": ErrorCode(
        "InputFileError",
        "series folder {root} does not exist",
        "check the folder path",
        "series folder does not exist",
    ),
    "E206": ErrorCode(
        "InputFileError",
        "{root} is not a folder",
        "give the folder that holds the .nii / .nii.gz files (it is searched recursively)",
        "series path is not a folder",
    ),
    "E207": ErrorCode(
        "InputFileError",
        "cannot list folder {folder} ({problem})",
        "fix the folder's permissions, or move it out of the scanned folder",
        "a subfolder of the series folder cannot be listed",
    ),
    "E208": ErrorCode(
        "InputFileError",
        "manifest {path} {problem}",
        "check the --manifest path and its permissions; it must be a UTF-8 CSV file",
        "series manifest missing or unreadable",
    ),
    "E209": ErrorCode(
        "InputFileError",
        "manifest {path} header has {problems} (header: {header})",
        "the first line must be path,study_id optionally followed by sequence,view",
        "series manifest header lacks `path`/`study_id`, or has unknown or repeated columns",
    ),
    "E301": ErrorCode(
        "StoreError",
        "cannot parse database URL: {problem}",
        "check --db / QAFORGE_DATABASE_URL",
        "database URL cannot be parsed, or names a driver that is not installed",
    ),
    "E302": ErrorCode(
        "StoreError",
        "cannot open database {database}: {problem}",
        "check --db / QAFORGE_DATABASE_URL and that the server is running",
        "database cannot be reached",
    ),
    "E303": ErrorCode(
        "StoreError",
        "database {database} has tables ({tables}, ...) but no qaforge schema version",
        "point --db at a new or qaforge-created database",
        "database has foreign tables and no qaforge schema",
    ),
    "E304": ErrorCode(
        "StoreError",
        "database {database} is not initialised",
        "run `qaforge init` first",
        "database not initialised: run `qaforge init`",
    ),
    "E305": ErrorCode(
        "StoreError",
        "database {database} is at schema revision {current}, qaforge needs {head}",
        "run `qaforge init` to upgrade it",
        "database schema out of date: run `qaforge init`",
    ),
    "E306": ErrorCode(
        "StoreError",
        "database file {path} does not exist",
        "check --db / QAFORGE_DATABASE_URL, or create it with `qaforge init`",
        "a SQLite database file named by --db / QAFORGE_DATABASE_URL does not exist "
        "(only `init` and `demo` create one)",
    ),
    "E307": ErrorCode(
        "StoreError",
        "the database refused a statement ({problem}); that batch was not stored",
        "values are not shown (they may hold report text); re-run to resume",
        "the database refused a statement; its values are never shown",
    ),
    "E401": ErrorCode(
        "RulesError",
        "rule file {file} is invalid: {problem}",
        "fix {path} (docs/extraction.md describes its format)",
        "an extraction rule file (`qaforge/extract/rules/*.yaml`) is missing or invalid; "
        "the message names the file and the entry",
    ),
    "E501": ErrorCode(
        "ConfigError",
        "catalogue {path}: {problem}",
        "fix the catalogue file; docs/generation.md explains every field",
        "the subtask catalogue (`templates/catalogue.yaml` or `--catalogue`) is unreadable or "
        "invalid; the message names the file, the subtask and the field",
    ),
    "E502": ErrorCode(
        "ConfigError",
        "no finished extraction run in the database",
        "run `qaforge extract` first",
        "`generate` found no finished extraction run: run `qaforge extract` first",
    ),
    "E503": ErrorCode(
        "ConfigError",
        "extraction run {run_id!r} is {state}",
        "give a finished run's id (or its first characters); `qaforge status` lists runs",
        "`generate --run` names a run that is unknown, ambiguous or not finished",
    ),
    "E520": ErrorCode(
        "ConfigError",
        "cannot write the review list {path} ({problem})",
        "pass --output with a file in a folder you can write to",
        "`review-findings --output` cannot write its file",
    ),
    "E601": ErrorCode(
        "ConfigError",
        "cannot create the images folder {root} ({problem})",
        "pass --images-dir with a folder you can write to",
        "`select` cannot create the images folder (`--images-dir`)",
    ),
    "E602": ErrorCode(
        "ConfigError",
        "unknown selection protocol {protocols}",
        "choose from {choices}",
        "`select --protocol` is not one of `random`, `clinical`, `data-driven`",
    ),
    "E603": ErrorCode(
        "ConfigError",
        "budget {budgets} is outside 1..{limit}",
        "give the number of images per item, e.g. --budget 16",
        "`select --budget` is outside 1..1024",
    ),
    "E604": ErrorCode(
        "ConfigError",
        "image size {size} is below 1",
        "omit --size to keep the series' size",
        "`select --size` is below 1",
    ),
    "E611": ErrorCode(
        "InputFileError",
        "override file {path} {problem}",
        "give a UTF-8 CSV file with a header line of series_id (or study_id,path) and any of "
        "ed_frame,es_frame,slice_order",
        "`series --override` file unreadable, or its header lacks `series_id` (or "
        "`study_id`,`path`) or has unknown columns",
    ),
    "E701": ErrorCode(
        "ConfigError",
        "invalid split ratios: {problem}",
        "give NAME=SHARE with shares >= 0, e.g. --ratio train=0.7 --ratio test=0.3",
        "`split --ratio` is not NAME=SHARE, or the shares are negative or sum to 0",
    ),
    "E702": ErrorCode(
        "InputFileError",
        "cannot read the split file {path} ({problem})",
        "",
        "the split file cannot be read",
    ),
    "E703": ErrorCode(
        "InputFileError",
        "cannot read the reference corpus {path} ({problem})",
        "",
        "a `check --reference` corpus cannot be read",
    ),
    "E704": ErrorCode(
        "QaforgeError",
        "export refused: the PHI scan found {kinds} in {path} at offsets {offsets}; nothing was written",
        "run `qaforge check` and read the phi flags; if the text holds no identifier, the scan is wrong: report it",
        "`export`: a file about to be written holds a suspected identifier (the last guard "
        "after the per-item scans); nothing is written",
    ),
    "E705": ErrorCode(
        "QaforgeError",
        "export refused: 0 records ({reasons}); {outdir} was left as it was",
        "verify items first, or pass --include-unverified for a pilot",
        "`export`: no item is exportable; an earlier export is never replaced by an empty one",
    ),
    "E706": ErrorCode(
        "ConfigError",
        "no image selection {protocol}/{budget} is stored (stored: {stored})",
        "pass a stored --protocol/--budget, or run `qaforge select` with these",
        "`export` / `check`: `--protocol`/`--budget` name no stored image selection",
    ),
    "E801": ErrorCode(
        "InputFileError",
        "benchmark {folder}: {problem}",
        "give a folder written by 'qaforge export'",
        "`evaluate` / `run-model` / `baseline` / `compare` / `load_benchmark`: the benchmark "
        "folder (or the split asked for) has no records, or a line is not a record",
    ),
    "E802": ErrorCode(
        "InputFileError",
        "cannot read the predictions {path} ({problem})",
        "",
        "the predictions file cannot be read",
    ),
    "E803": ErrorCode(
        "ConfigError",
        "unknown prompt {prompt!r}",
        "use --prompt plain or --prompt reasoning",
        "`run-model --prompt` is not `plain` or `reasoning`",
    ),
    "E804": ErrorCode(
        "InputFileError",
        "no prediction in {path} matches an item of split {split!r} ({items} items): {unknown} lines have unknown ids, e.g. {examples}",
        "score the split the predictions were made for (--split, 'all' for every split), and check that the ids are the export's",
        "`evaluate` / `compare`: no prediction line names an item of the benchmark split scored",
    ),
    "E809": ErrorCode(
        "ConfigError",
        "the evaluation output {outdir} is inside the benchmark folder {folder}",
        "choose a folder outside the export (default: {default})",
        "`evaluate --outdir` is inside the export folder (its files would be loaded as data)",
    ),
    "E901": ErrorCode(
        "ConfigError",
        "{what} {path} {problem}",
        "select images into a subfolder of the media root, and pass --media-root with the "
        "folder the server serves local files from (LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT): "
        "Label Studio serves local files only from folders below its document root",
        "`annotate push`: an item image is not under `--media-root`, or the images folder is "
        "the media root itself (Label Studio serves local files only from folders below its "
        "document root)",
    ),
    "E902": ErrorCode(
        "ConfigError",
        "no Label Studio project named {name!r} has been pushed from this store",
        "run `qaforge annotate push` first (with the same --project)",
        "`annotate pull`: no project of that `--project` name was pushed from this database",
    ),
    "E903": ErrorCode(
        "QaforgeError",
        "{problem}",
        "start it (`qaforge annotate serve`) or fix --url; a re-run resumes where this stopped",
        "Label Studio did not answer (down, restarting, wrong `--url`); a re-run of push resumes",
    ),
    "E904": ErrorCode(
        "QaforgeError",
        "{problem}",
        "",
        "Label Studio refused a request: a wrong token (401) or a validation error, with the "
        "call and the names of the fields it refused (never its text, which may quote task data)",
    ),
    "E905": ErrorCode(
        "ConfigError",
        "bad Label Studio setting: {problem}",
        "check --url, --project, --media-root and QAFORGE_LS_* "
        "(Label Studio limits project titles to 50 characters)",
        "a Label Studio setting is invalid, e.g. a `--project` name longer than 26 characters",
    ),
    "E906": ErrorCode(
        "ConfigError",
        "no Label Studio token: set QAFORGE_LS_TOKEN to an admin's API token",
        "Label Studio: Account & Settings > Access Token (`qaforge annotate serve` prints one)",
        "no Label Studio token: set `QAFORGE_LS_TOKEN`",
    ),
    "E907": ErrorCode(
        "ConfigError",
        "no active item has images in the {protocol}/{budget} selection",
        "run `qaforge select --protocol {protocol} --budget {budget}` first, "
        "or push with the --protocol and --budget you selected",
        "`annotate push`: no active item has images in the chosen `--protocol`/`--budget` "
        "selection",
    ),
    "E951": ErrorCode(
        "LabelStudioServerError",
        "Label Studio is not installed in {venv}; run scripts/ensure-labelstudio.sh",
        "run scripts/ensure-labelstudio.sh",
        "`annotate serve`: Label Studio is not installed in its venv (run "
        "`scripts/ensure-labelstudio.sh`)",
    ),
    "E952": ErrorCode(
        "LabelStudioServerError",
        "Label Studio {problem}",
        "read the server's log",
        "`annotate serve`: the server exited or did not become healthy in time (its log's "
        "last lines are shown)",
    ),
    "E953": ErrorCode(
        "LabelStudioServerError",
        "port {port} on {host} is already in use",
        "stop whatever listens there or choose another port",
        "`annotate serve`: the port is taken",
    ),
    "E954": ErrorCode(
        "LabelStudioServerError",
        "adding Label Studio user {email} failed: {problem}",
        "if the user existed already, its password and token were kept",
        "adding a Label Studio user failed, or its token does not authenticate",
    ),
    "E955": ErrorCode(
        "LabelStudioServerError",
        "Label Studio at {url}: {problem}",
        "",
        "a Label Studio server could not be reached or refused `whoami`",
    ),
}


def errors_doc_table() -> str:
    """The Markdown table of docs/errors.md: one row per code, in table order.

    Returns:
        The header, the separator and the rows, each line ending in a newline.
    """
    rows = [f"| {code} | {entry.meaning} |" for code, entry in ERRORS.items()]
    return "\n".join(["| code | meaning |", "|---|---|", *rows]) + "\n"
