#!/usr/bin/env bash
# Validates the manifests without a cluster: yamllint (syntax), kubernetes-validate
# (the Kubernetes JSON schemas of the version given, default 1.32), and the TOML of the
# ConfigMap parsed by python's tomllib. `kubectl apply --dry-run=client` needs an API
# server for discovery even in client mode, so it runs only when one answers.
# Setup: python3 -m venv ~/.cache/orbit-venv-kubernetes &&
#        ~/.cache/orbit-venv-kubernetes/bin/pip install kubernetes-validate yamllint
set -euo pipefail
cd "$(dirname "$0")"
VENV="${ORBIT_K8S_VENV:-$HOME/.cache/orbit-venv-kubernetes}"
K8S_VERSION="${ORBIT_K8S_VERSION:-1.32.0}"
files=(namespace.yaml rbac.yaml configmap.yaml service.yaml statefulset.yaml)
"$VENV/bin/yamllint" -d '{extends: relaxed, rules: {line-length: {max: 120}}}' "${files[@]}"
"$VENV/bin/kubernetes-validate" --strict -k "$K8S_VERSION" "${files[@]}"
"$VENV/bin/python" - <<'PY'
import tomllib, yaml
doc = yaml.safe_load(open("configmap.yaml"))
cfg = tomllib.loads(doc["data"]["orbit.toml"])
assert cfg["providers"]["k8s"]["type"] == "Kubernetes", cfg
print("configmap.yaml: orbit.toml parses; providers.k8s.type = Kubernetes")
PY
if kubectl version --request-timeout=3s >/dev/null 2>&1; then
  kubectl apply --dry-run=client -f "${files[0]}" -f "${files[1]}" -f "${files[2]}" -f "${files[3]}" -f "${files[4]}"
else
  echo "kubectl apply --dry-run=client: SKIPPED (no API server answers; kubectl needs one for discovery)"
fi
echo "deploy/kubernetes: valid"
