"""tests/actions runs in the engine environment (Python 3.10, rasa-sdk); see pytest.ini."""

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1]):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
