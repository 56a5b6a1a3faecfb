"""Write the seed corpus of one parser family: the real fixtures each of its parsers reads.

    python fuzz/seed_corpus.py FAMILY OUT_DIR [--realdata]

Seeds are named by content hash (as libFuzzer names its own), so re-seeding is idempotent.
Realdata seeds go to the working corpus outside the repository, never into it.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz.corpus import family_members, seed_bytes  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    family, out = argv[0], Path(argv[1])
    realdata = "--realdata" in argv
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for name in family_members(family):
        for _, data in seed_bytes(name, include_realdata=realdata):
            (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
            count += 1
    print(f"{family}: {count} seed file(s) in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
