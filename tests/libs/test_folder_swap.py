"""Replacing a folder whole: the new one in, the user's files carried over, nothing on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from qaforge.libs.folder_swap import recover, replace_folder, temp_folders


def fill(folder, **files):
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return sorted(files)


def test_owned_entries_are_replaced_and_the_others_carried_over(tmp_path):
    target = tmp_path / "out"
    replace_folder(target, lambda f: fill(f, **{"data/a.txt": "1", "gone.txt": "x"}), owned=None)
    fill(target, **{"notes/mine.txt": "user", "top.txt": "user"})
    replace_folder(target, lambda f: fill(f, **{"data/b.txt": "2"}), owned=("data", "gone.txt"))
    names = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert names == ["data/b.txt", "notes/mine.txt", "top.txt"]
    assert (target / "notes/mine.txt").read_text() == "user"
    assert not temp_folders(target)


def test_a_failing_writer_leaves_the_folder_as_it_was(tmp_path):
    target = tmp_path / "out"
    replace_folder(target, lambda f: fill(f, **{"a.txt": "old"}))

    def broken(folder):
        fill(folder, **{"a.txt": "new"})
        raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError):
        replace_folder(target, broken)
    assert (target / "a.txt").read_text() == "old" and not temp_folders(target)


def test_the_working_folder_can_be_replaced(tmp_path, monkeypatch):
    target = tmp_path / "out"
    replace_folder(target, lambda f: fill(f, **{"a.txt": "old"}))
    monkeypatch.chdir(target)
    replace_folder(Path("."), lambda f: fill(f, **{"b.txt": "n"}), owned=())
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "b.txt"]


def test_a_lone_old_folder_left_between_the_renames_is_put_back(tmp_path):
    target = tmp_path / "out"
    old = tmp_path / ".out.old-999999999"  # no such process
    old.mkdir()
    fill(old, **{"a.txt": "previous"})
    recover(target)
    assert (target / "a.txt").read_text() == "previous" and not temp_folders(target)
