"""`make bench` (`python -m bench`): every benchmark of this folder, one after the other,
each in its own process (each sets Django up with its own database): `showcase`, then
`reminders` when bench/reminders.py is there, then `load` (bench/load.py, Locust).
`python -m bench showcase` runs only the ones named. Each writes its own report,
`bench-report-<name>.txt`.

The benchmarks need PostgreSQL; without DATABASE_URL they use the local server
(postgres://postgres@127.0.0.1:5432/solidaire), and each works in a scratch database of
its own, never in that one."""

import os
import subprocess
import sys
from pathlib import Path

ORDER = ["showcase", "reminders", "load"]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/solidaire"


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    return [name for name in ORDER if (here / f"{name}.py").exists()]


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    env = {**os.environ}
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    failed = []
    for name in names:
        print(f"\n=== bench.{name}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"], env=env).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
