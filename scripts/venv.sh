# Sourced by the run scripts: make sure .venv exists and holds this project with its dev extra.
# Re-installs only when pyproject.toml changed since the last install.
PY=.venv/bin/python
if [ ! -x "$PY" ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
stamp=.venv/.installed-pyproject
if [ ! -f "$stamp" ] || ! cmp -s pyproject.toml "$stamp"; then
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet -e '.[dev]'
  cp pyproject.toml "$stamp"
fi
export PY
