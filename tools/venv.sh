# shellcheck shell=bash
# Sourced by ./preview.sh and tools/docker/up.sh: make sure venv/ (the virtualenv Pulumi.yaml names)
# exists with requirements.txt installed, reinstalling only when that file changed since.
ensure_venv() {
  local repo=$1
  if [ ! -x "$repo/venv/bin/python" ]; then
    echo "creating venv/ (first run only)" >&2
    python3 -m venv "$repo/venv"
  fi
  # pip's own progress goes to stderr: the first install downloads about 300 MB and takes a minute or two.
  if ! cmp -s "$repo/requirements.txt" "$repo/venv/.installed-requirements"; then
    echo "installing requirements.txt into venv/" >&2
    "$repo/venv/bin/pip" install --disable-pip-version-check --progress-bar on -r "$repo/requirements.txt" >&2
    cp "$repo/requirements.txt" "$repo/venv/.installed-requirements"
  fi
  put_repo_on_path "$repo"
}

# `venv/bin/python -m offline.gate` (verify, connect.dotenv) from any directory, not only the
# repository's: a .pth file puts the repository on the venv's import path.
put_repo_on_path() {
  local repo=$1 site
  site=$("$repo/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  printf '%s\n' "$repo" >"$site/trade2026-repository.pth"
}
