#!/usr/bin/env bash
# deploy/kubernetes/ and deploy/Containerfile, checked for what a user relies on, without a
# cluster or a registry: every manifest parses and kustomization.yaml applies each of them (but
# never secret.example.yaml); one replica, Recreate; the probes on /healthz and /readyz on the
# port named metrics, which --listen and the Service use; non-root, read-only root, no
# privilege escalation, no capabilities, RuntimeDefault seccomp; the state directory (--state-dir)
# on the PersistentVolumeClaim and the image's VOLUME, the lock directory writable; the Secret's
# keys are the credentials cfsync reads (from its sources) and the Deployment's references exist;
# the Containerfile builds with deploy/install-deps.sh and deploy/package.sh and runs cfsync as
# the same non-root uid; and the container's arguments are accepted by the cfsync just built
# (every option in `cfsync run --help`, every value parsed).
#
# Then each check is shown to fail: the same checks run on copies with one thing broken each
# (a replica more, a renamed option, USER root, …) and must report that thing.
# Usage: deploy_manifests.sh SOURCE_DIR BIN_DIR
set -euo pipefail
source_dir=$1
bin_dir=$2
python3 -c 'import yaml' 2>/dev/null || { echo "FAIL: python3 with PyYAML is needed"; exit 1; }
exec python3 - "$source_dir" "$bin_dir" <<'PYTHON'
import copy, os, re, shutil, subprocess, sys, tempfile
import yaml

source_dir, bin_dir = sys.argv[1], sys.argv[2]
cfsync = os.path.join(bin_dir, "cfsync")
run_help = subprocess.run([cfsync, "run", "--help"], check=True, capture_output=True,
                          text=True).stdout
run_options = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", run_help))
assert {"--git-url", "--state-dir", "--listen"} <= run_options, run_help

# The credentials cfsync reads from $CREDENTIALS_DIRECTORY, from its sources.
credential_names = set()
for folder in ("api", "daemon"):
    for name in os.listdir(os.path.join(source_dir, folder)):
        if name.endswith(".cpp"):
            with open(os.path.join(source_dir, folder, name)) as f:
                text = f.read()
            credential_names |= set(re.findall(r'\bcredential\("([a-z-]+)"\)', text))
            credential_names |= set(re.findall(r'credentials_directory\s*/\s*"([a-z-]+)"', text))
assert "cloudflare-api-token" in credential_names, credential_names


def duration_seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", str(text))
    if not m:
        return None
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def containerfile_stages(text):
    """[(from_line, [(INSTRUCTION, arguments)])], continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if raw.lstrip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    stages = []
    for line in lines:
        instruction, _, arguments = line.strip().partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append((arguments.strip(), []))
        elif stages:
            stages[-1][1].append((instruction, arguments.strip()))
    return stages


def check(root):
    """Every problem found in the tree at root (deploy/kubernetes and deploy/Containerfile)."""
    problems = []
    problem = problems.append
    k8s = os.path.join(root, "deploy", "kubernetes")

    # Every manifest parses.
    docs = {}
    for name in sorted(os.listdir(k8s)):
        if not name.endswith((".yaml", ".yml")):
            continue
        try:
            with open(os.path.join(k8s, name)) as f:
                docs[name] = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            problem(f"{name} does not parse: {e}")
            continue
        for d in docs[name]:
            if not isinstance(d, dict) or not d.get("apiVersion") or not d.get("kind") or \
                    not (d.get("metadata") or {}).get("name") and d.get("kind") != "Kustomization":
                problem(f"{name}: a document without apiVersion, kind and metadata.name")
    if problems:
        return problems

    def only(kind):
        found = [(n, d) for n, ds in docs.items() for d in ds if d.get("kind") == kind]
        if len(found) != 1:
            problem(f"expected one {kind}, found {len(found)}")
            return None, {}
        return found[0]

    # kustomization.yaml applies every manifest, and never the example Secret.
    _, kustomization = only("Kustomization")
    resources = kustomization.get("resources") or []
    for r in resources:
        if not os.path.isfile(os.path.join(k8s, r)):
            problem(f"kustomization.yaml lists {r}, which is missing")
    if "secret.example.yaml" in resources:
        problem("kustomization.yaml lists secret.example.yaml: `kubectl apply -k` would "
                "replace the real Secret with its placeholders")
    for name in docs:
        if name not in ("kustomization.yaml", "secret.example.yaml") and name not in resources:
            problem(f"{name} is not listed in kustomization.yaml's resources")

    _, deployment = only("Deployment")
    _, pvc = only("PersistentVolumeClaim")
    _, service = only("Service")
    _, secret = only("Secret")
    configmaps = {d["metadata"]["name"]: d for ds in docs.values() for d in ds
                  if d.get("kind") == "ConfigMap"}
    if not deployment:
        return problems
    spec = deployment.get("spec") or {}
    if spec.get("replicas") != 1:
        problem(f"Deployment replicas is {spec.get('replicas')}, not 1 (one writer per account)")
    if (spec.get("strategy") or {}).get("type") != "Recreate":
        problem("Deployment strategy is not Recreate: two pods would write at once in a rollout")
    pod = (spec.get("template") or {}).get("spec") or {}
    pod_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    containers = pod.get("containers") or []
    if len(containers) != 1:
        problem(f"expected one container, found {len(containers)}")
        return problems
    c = containers[0]
    args = [str(a) for a in (c.get("args") or [])]
    if c.get("command"):
        problem("the container sets command: the image's ENTRYPOINT (cfsync) should run")
    if not args or args[0] != "run":
        problem(f"the container's args do not start with run: {args[:1]}")
        return problems

    # Options and their values.
    values = {}
    i = 1
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if name not in run_options:
                problem(f"the container's option {name} is not in `cfsync run --help`")
            if name in values:
                problem(f"the container's option {name} is given twice (cfsync refuses that)")
            if eq:
                values[name] = value
            elif i + 1 < len(args) and not args[i + 1].startswith("--"):
                values[name] = args[i + 1]
                i += 1
            else:
                values[name] = None
        else:
            problem(f"the container's argument {a!r} follows no option")
        i += 1
    for required in ("--git-url", "--state-dir", "--listen"):
        if required not in values:
            problem(f"the container's args have no {required}")
    env = {e["name"]: e for e in (c.get("env") or [])}

    # The arguments as the cfsync just built parses them: it must get past every option and
    # value to the credentials, which are left out on purpose (nothing is fetched or written).
    with tempfile.TemporaryDirectory() as scratch:
        trial = [re.sub(r"\$\((\w+)\)", lambda m: "file://" + scratch + "/repo.git", a)
                 for a in args]
        for option in ("--state-dir", "--lock-dir"):
            if option in values and values[option]:
                trial = [a.replace(values[option], scratch + "/" + option[2:]) for a in trial]
        trial = [re.sub(r"^0\.0\.0\.0:\d+$", "127.0.0.1:0", a) for a in trial]
        result = subprocess.run([cfsync] + trial, capture_output=True, text=True, timeout=30,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                     "HOME": scratch})
        if "no Cloudflare credentials" not in result.stderr:
            problem("cfsync run refused the container's args: " +
                    (result.stderr.strip() or result.stdout.strip())[:300])

    # The port: --listen, the named port, the probes and the Service agree.
    ports = {p.get("name"): p for p in (c.get("ports") or [])}
    metrics = ports.get("metrics")
    if not metrics:
        problem("the container has no port named metrics")
        metrics = {}
    listen = values.get("--listen") or ""
    if not listen.endswith(f":{metrics.get('containerPort')}"):
        problem(f"--listen {listen} is not the metrics port {metrics.get('containerPort')}")
    if listen.startswith("127.") or listen.startswith("localhost"):
        problem(f"--listen {listen} is loopback: probes and the Service cannot reach it")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = (c.get(probe) or {}).get("httpGet") or {}
        if get.get("path") != path:
            problem(f"the {probe} (liveness/readiness) asks {get.get('path')}, not {path}")
        if get.get("port") not in ("metrics", metrics.get("containerPort")):
            problem(f"the {probe} (liveness/readiness) is not on the metrics port: "
                    f"{get.get('port')}")
    if service:
        sspec = service.get("spec") or {}
        sports = {p.get("name"): p for p in (sspec.get("ports") or [])}
        sp = sports.get("metrics")
        if not sp:
            problem("the Service has no port named metrics")
        elif sp.get("targetPort") not in ("metrics", metrics.get("containerPort")):
            problem(f"the Service's metrics port targets {sp.get('targetPort')}, not the "
                    "container's metrics port")
        selector = sspec.get("selector") or {}
        if not selector or any(pod_labels.get(k) != v for k, v in selector.items()):
            problem(f"the Service's selector {selector} does not select the pod {pod_labels}")
        if (sspec.get("type") or "ClusterIP") != "ClusterIP":
            problem(f"the Service is {sspec.get('type')}, not ClusterIP")
        if not (service.get("metadata") or {}).get("labels"):
            problem("the Service has no labels for a ServiceMonitor to select")

    # Non-root, read-only root.
    psc = pod.get("securityContext") or {}
    csc = c.get("securityContext") or {}
    def effective(key):
        return csc.get(key, psc.get(key))
    if effective("runAsNonRoot") is not True:
        problem("the container does not set runAsNonRoot: true")
    uid = effective("runAsUser")
    if not isinstance(uid, int) or uid == 0:
        problem(f"the container's runAsUser is {uid}, not a non-root uid")
    if csc.get("readOnlyRootFilesystem") is not True:
        problem("the container's readOnlyRootFilesystem is not true")
    if csc.get("allowPrivilegeEscalation") is not False:
        problem("the container's allowPrivilegeEscalation is not false")
    if ((csc.get("capabilities") or {}).get("drop") or []) != ["ALL"]:
        problem("the container's capabilities do not drop ALL")
    if (effective("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problem("the container's seccompProfile is not RuntimeDefault")
    resources = c.get("resources") or {}
    if not (resources.get("requests") and (resources.get("limits") or {}).get("memory")):
        problem("the container has no resource requests and memory limit")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    shutdown = duration_seconds(values.get("--shutdown-timeout") or "30s")
    if shutdown is None or not isinstance(grace, int) or grace < shutdown + 5:
        problem(f"terminationGracePeriodSeconds {grace} leaves no margin over "
                f"--shutdown-timeout {values.get('--shutdown-timeout')}")

    # The state directory on the claim; the lock directory writable.
    volumes = {v.get("name"): v for v in (pod.get("volumes") or [])}
    mounts = {m.get("mountPath"): m for m in (c.get("volumeMounts") or [])}
    state_dir = values.get("--state-dir")
    state_mount = mounts.get(state_dir)
    pvc_name = (pvc.get("metadata") or {}).get("name")
    if not state_mount:
        problem(f"no volume is mounted at --state-dir {state_dir}")
    else:
        claim = (volumes.get(state_mount.get("name")) or {}).get("persistentVolumeClaim") or {}
        if claim.get("claimName") != pvc_name:
            problem(f"the volume at --state-dir {state_dir} is not the claim {pvc_name} of "
                    f"pvc.yaml (it names {claim.get('claimName')})")
        if state_mount.get("readOnly"):
            problem(f"--state-dir {state_dir} is mounted read-only")
    lock_dir = values.get("--lock-dir") or (env.get("CFSYNC_LOCK_DIR") or {}).get("value")
    writable = [p for p, m in mounts.items() if not m.get("readOnly") and (
        "persistentVolumeClaim" in volumes.get(m.get("name"), {}) or
        "emptyDir" in volumes.get(m.get("name"), {}))]
    if not lock_dir or not any(lock_dir == p or lock_dir.startswith(p.rstrip("/") + "/")
                               for p in writable):
        problem(f"--lock-dir {lock_dir} is not on a writable volume (the root is read-only)")

    # Credentials: the Secret's files are where CREDENTIALS_DIRECTORY says, and its keys are
    # the names cfsync reads; every key the Deployment names exists in secret.example.yaml.
    secret_name = (secret.get("metadata") or {}).get("name")
    secret_keys = set((secret.get("stringData") or {}).keys()) | set(
        (secret.get("data") or {}).keys())
    if "cloudflare-api-token" not in secret_keys:
        problem("secret.example.yaml has no key cloudflare-api-token, the API token's file")
    for key in sorted(secret_keys - credential_names):
        problem(f"secret.example.yaml's key {key} is no credential cfsync reads "
                f"({', '.join(sorted(credential_names))})")
    secret_volumes = {n for n, v in volumes.items() if "secret" in v}
    for n in secret_volumes:
        s = volumes[n]["secret"]
        if s.get("secretName") != secret_name:
            problem(f"the volume {n} mounts the secret {s.get('secretName')}, not "
                    f"{secret_name} of secret.example.yaml")
        for item in s.get("items") or []:
            if item.get("key") not in secret_keys:
                problem(f"the volume {n} names the Secret key {item.get('key')}, which "
                        "secret.example.yaml does not have")
    for e in env.values():
        ref = (e.get("valueFrom") or {}).get("secretKeyRef")
        if ref and (ref.get("name") != secret_name or ref.get("key") not in secret_keys):
            problem(f"env {e['name']} reads the Secret key {ref.get('name')}/{ref.get('key')}, "
                    "which secret.example.yaml does not have")
        ref = (e.get("valueFrom") or {}).get("configMapKeyRef")
        if ref and not ref.get("optional") and ref.get("key") not in (
                (configmaps.get(ref.get("name")) or {}).get("data") or {}):
            problem(f"env {e['name']} reads the ConfigMap key {ref.get('name')}/{ref.get('key')},"
                    " which configmap.yaml does not have")
    credentials_dir = (env.get("CREDENTIALS_DIRECTORY") or {}).get("value")
    if "CLOUDFLARE_API_TOKEN" not in env:
        m = mounts.get(credentials_dir)
        if not m or m.get("name") not in secret_volumes:
            problem(f"CREDENTIALS_DIRECTORY {credentials_dir} is not where the Secret is mounted")

    # The Containerfile.
    with open(os.path.join(root, "deploy", "Containerfile")) as f:
        stages = containerfile_stages(f.read())
    if len(stages) < 2:
        problem(f"the Containerfile has {len(stages)} stage(s), not a build and a final one")
        return problems
    build = [s for s in stages if re.fullmatch(r"debian:12-slim\s+AS\s+build", s[0], re.I)]
    if not build:
        problem("the Containerfile has no stage FROM debian:12-slim AS build")
    else:
        runs = " ".join(a for i, a in build[0][1] if i == "RUN")
        if "deploy/install-deps.sh" not in runs:
            problem("the build stage does not run deploy/install-deps.sh")
        if not re.search(r"deploy/package\.sh\b[^&;]*--out\s+/dist", runs):
            problem("the build stage does not run deploy/package.sh --out /dist")
    final_from, final = stages[-1]
    if final_from != "debian:12-slim":
        problem(f"the final stage is FROM {final_from}, not debian:12-slim")
    def last(instruction):
        found = [a for i, a in final if i == instruction]
        return found[-1] if found else None
    runs = " ".join(a for i, a in final if i == "RUN")
    if not any(i == "COPY" and "--from=build" in a and "/dist/cfsync_" in a for i, a in final) \
            or not re.search(r"apt-get install[^&;]*/tmp/cfsync_\*\.deb", runs):
        problem("the final stage does not install the package the build stage made")
    if (last("ENTRYPOINT") or "").replace(" ", "") != '["cfsync"]':
        problem(f"the final stage's ENTRYPOINT is {last('ENTRYPOINT')}, not [\"cfsync\"]")
    user = last("USER") or ""
    image_uid = user.split(":")[0]
    if not image_uid.isdigit() or int(image_uid) == 0:
        problem(f"the final stage's USER is {user or 'unset'}, not a non-root numeric uid "
                "(runAsNonRoot can only check a number)")
    elif image_uid != str(uid):
        problem(f"the image's USER {user} is not the Deployment's runAsUser {uid}")
    volume_line = last("VOLUME") or ""
    image_volumes = yaml.safe_load(volume_line) if volume_line.startswith("[") else \
        volume_line.split()
    if state_dir not in image_volumes:
        problem(f"the final stage's VOLUME {volume_line} is not --state-dir {state_dir}")
    image_env = dict(re.findall(r"(\w+)=(\S+)", " ".join(a for i, a in final if i == "ENV")))
    if image_env.get("STATE_DIRECTORY") not in image_volumes:
        problem(f"the image's STATE_DIRECTORY {image_env.get('STATE_DIRECTORY')} is not its "
                "VOLUME")
    if not any((image_env.get("CFSYNC_LOCK_DIR") or "").startswith(v.rstrip("/") + "/")
               for v in image_volumes):
        problem(f"the image's CFSYNC_LOCK_DIR {image_env.get('CFSYNC_LOCK_DIR')} is not in its "
                "VOLUME (the root is read-only)")
    if str(metrics.get("containerPort")) not in (last("EXPOSE") or "").split():
        problem(f"the final stage EXPOSEs {last('EXPOSE')}, not the metrics port "
                f"{metrics.get('containerPort')}")
    return problems


def copy_tree():
    work = tempfile.mkdtemp()
    os.makedirs(os.path.join(work, "deploy"))
    shutil.copytree(os.path.join(source_dir, "deploy", "kubernetes"),
                    os.path.join(work, "deploy", "kubernetes"))
    shutil.copy(os.path.join(source_dir, "deploy", "Containerfile"),
                os.path.join(work, "deploy", "Containerfile"))
    return work


failed = False
problems = check(source_dir)
for p in problems:
    print(f"FAIL: {p}")
    failed = True
if failed:
    sys.exit(1)
print("ok: deploy/kubernetes and deploy/Containerfile")


# Each check, shown to fail: (what is broken, file, how, a words of the problem it must cause).
def text(old, new):
    def edit(s):
        assert s.count(old) >= 1, f"{old!r} is not in the file any more: update this test"
        return s.replace(old, new, 1)
    return edit


def objects(fn):
    def edit(s):
        docs = list(yaml.safe_load_all(s))
        for d in docs:
            if d:
                fn(d)
        return yaml.safe_dump_all(docs, sort_keys=False)
    return edit


def container(fn):
    def apply(d):
        if d.get("kind") == "Deployment":
            fn(d["spec"]["template"]["spec"]["containers"][0])
    return objects(apply)


def pod(fn):
    def apply(d):
        if d.get("kind") == "Deployment":
            fn(d["spec"]["template"]["spec"])
    return objects(apply)


def drop_seccomp(p):
    p.get("securityContext", {}).pop("seccompProfile", None)
    p["containers"][0].get("securityContext", {}).pop("seccompProfile", None)


def replace_arg(old, new):
    def fn(c):
        assert old in c["args"], f"{old!r} is not an arg any more: update this test"
        c["args"][c["args"].index(old)] = new
    return container(fn)


D, K, CF = "deployment.yaml", "kustomization.yaml", "../Containerfile"
breaks = [
    ("a manifest that does not parse", D, lambda s: s + "\n  bad: [unclosed\n", "does not parse"),
    ("a manifest left out of kustomization.yaml", K, text("  - pvc.yaml\n", ""),
     "pvc.yaml is not listed"),
    ("the example Secret applied", K, text("resources:\n", "resources:\n  - secret.example.yaml\n"),
     "lists secret.example.yaml"),
    ("a resource that is missing", K, text("resources:\n", "resources:\n  - ingress.yaml\n"),
     "ingress.yaml, which is missing"),
    ("two replicas", D, objects(lambda d: d["spec"].update(replicas=2) if d["kind"] == "Deployment"
                                else None), "replicas is 2"),
    ("a rolling update", D, text("type: Recreate", "type: RollingUpdate"), "not Recreate"),
    ("liveness elsewhere", D, container(lambda c: c["livenessProbe"]["httpGet"].update(
        path="/status")), "livenessProbe (liveness/readiness) asks /status"),
    ("readiness elsewhere", D, container(lambda c: c["readinessProbe"]["httpGet"].update(
        path="/healthz")), "readinessProbe (liveness/readiness) asks /healthz"),
    ("readiness on another port", D, container(lambda c: c["readinessProbe"]["httpGet"].update(
        port=8080)), "readinessProbe (liveness/readiness) is not on the metrics port"),
    ("the port renamed", D, container(lambda c: c["ports"][0].update(name="http")),
     "no port named metrics"),
    ("--listen on another port", D, replace_arg("0.0.0.0:9464", "0.0.0.0:9465"),
     "is not the metrics port"),
    ("--listen on loopback", D, replace_arg("0.0.0.0:9464", "127.0.0.1:9464"), "is loopback"),
    ("the Service on another port", "service.yaml", text("targetPort: metrics",
                                                         "targetPort: http"), "targets http"),
    ("the Service selecting nothing", "service.yaml", objects(
        lambda d: d["spec"]["selector"].update({"app.kubernetes.io/name": "other"})),
     "does not select the pod"),
    ("root allowed", D, pod(lambda p: [p["securityContext"].update(runAsNonRoot=False),
                                       p["containers"][0]["securityContext"].pop("runAsNonRoot")]),
     "runAsNonRoot"),
    ("uid 0", D, container(lambda c: c["securityContext"].update(runAsUser=0)),
     "runAsUser is 0"),
    ("a writable root", D, container(lambda c: c["securityContext"].update(
        readOnlyRootFilesystem=False)), "readOnlyRootFilesystem is not true"),
    ("privilege escalation", D, container(lambda c: c["securityContext"].update(
        allowPrivilegeEscalation=True)), "allowPrivilegeEscalation is not false"),
    ("capabilities kept", D, container(lambda c: c["securityContext"].pop("capabilities")),
     "do not drop ALL"),
    ("no seccomp profile", D, pod(drop_seccomp), "seccompProfile is not RuntimeDefault"),
    ("no resources", D, container(lambda c: c.pop("resources")), "no resource requests"),
    ("no grace beyond --shutdown-timeout", D, pod(lambda p: p.update(
        terminationGracePeriodSeconds=30)), "terminationGracePeriodSeconds 30"),
    ("--state-dir elsewhere", D, replace_arg("/var/lib/cfsync", "/var/lib/cfsync-state"),
     "no volume is mounted at --state-dir /var/lib/cfsync-state"),
    ("the state mounted elsewhere", D, text("mountPath: /var/lib/cfsync\n", "mountPath: /data\n"),
     "no volume is mounted at --state-dir"),
    ("the claim renamed", "pvc.yaml", text("name: cfsync-state", "name: cfsync-data"),
     "is not the claim cfsync-data"),
    ("locks on the read-only root", D, replace_arg("/var/lib/cfsync/locks", "/run/lock/cfsync"),
     "--lock-dir /run/lock/cfsync is not on a writable volume"),
    ("the API token's key renamed", "secret.example.yaml", text(
        "cloudflare-api-token:", "cloudflare-token:"), "no key cloudflare-api-token"),
    ("another Secret mounted", D, text("secretName: cfsync-credentials",
                                       "secretName: cfsync-creds"), "mounts the secret cfsync-creds"),
    ("an env var from a missing Secret key", D, container(lambda c: c["env"].append(
        {"name": "CLOUDFLARE_API_TOKEN", "valueFrom": {"secretKeyRef": {
            "name": "cfsync-credentials", "key": "api-token"}}})), "cfsync-credentials/api-token"),
    ("the credentials elsewhere", D, container(lambda c: [e.update(value="/run/secrets/other")
                                                          for e in c["env"] if e["name"] ==
                                                          "CREDENTIALS_DIRECTORY"]),
     "CREDENTIALS_DIRECTORY /run/secrets/other is not where"),
    ("a ConfigMap key that is missing", "configmap.yaml", text("  git-url:", "  repository:"),
     "cfsync/git-url"),
    ("a renamed option", D, replace_arg("--git-interval", "--git-poll-interval"),
     "--git-poll-interval is not in `cfsync run --help`"),
    ("a value cfsync refuses", D, replace_arg("json", "jsn"), "cfsync run refused"),
    ("an option twice", D, container(lambda c: c["args"].extend(["--interval", "1m"])),
     "--interval is given twice"),
    ("no install-deps.sh", CF, text("RUN /src/deploy/install-deps.sh", "RUN true"),
     "does not run deploy/install-deps.sh"),
    ("no package.sh", CF, text("RUN deploy/package.sh", "RUN deploy/build.sh"),
     "does not run deploy/package.sh"),
    ("the package not installed", CF, text("/tmp/cfsync_*.deb ca-certificates", "ca-certificates"),
     "does not install the package"),
    ("another entrypoint", CF, text('ENTRYPOINT ["cfsync"]', 'ENTRYPOINT ["/bin/sh"]'),
     "ENTRYPOINT"),
    ("USER root", CF, text("USER 65532:65532", "USER root"), "USER is root, not a non-root"),
    ("no USER", CF, text("USER 65532:65532", ""), "USER is unset"),
    ("another uid", CF, text("USER 65532:65532", "USER 1000:1000"), "runAsUser 65532"),
    ("another VOLUME", CF, text("VOLUME /var/lib/cfsync", "VOLUME /data"),
     "VOLUME /data is not --state-dir"),
    ("the image's locks on the root", CF, text("CFSYNC_LOCK_DIR=/var/lib/cfsync/locks",
                                               "CFSYNC_LOCK_DIR=/run/lock/cfsync"),
     "CFSYNC_LOCK_DIR /run/lock/cfsync"),
    ("another port exposed", CF, text("EXPOSE 9464", "EXPOSE 8080"), "EXPOSEs 8080"),
]
for what, name, edit, expected in breaks:
    work = copy_tree()
    try:
        path = os.path.join(work, "deploy", "kubernetes", name)
        with open(path) as f:
            before = f.read()
        try:
            after = edit(before)
        except AssertionError as e:
            print(f"FAIL: breaking {name} ({what}): {e}")
            failed = True
            continue
        with open(path, "w") as f:
            f.write(after)
        found = check(work)
        if not any(expected in p for p in found):
            print(f"FAIL: with {what} ({name}), the checks did not report {expected!r}: {found}")
            failed = True
    finally:
        shutil.rmtree(work)
if failed:
    sys.exit(1)
print(f"ok: each of {len(breaks)} broken copies is caught")
PYTHON
