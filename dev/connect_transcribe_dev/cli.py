"""The `connect-transcribe` command of a source checkout: the runtime's commands plus local mode's (`demo`,
`local up`, `local play`), which need this dev package and moto."""

from __future__ import annotations

from connect_transcribe import cli

from connect_transcribe_dev import demo


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, extensions=[(demo.add_commands, demo.run, frozenset({"demo", "local"}))])


if __name__ == "__main__":
    raise SystemExit(main())
