"""Podman in a throwaway sandbox: the container tests' way to build and run images on machines without a
Docker engine or a reachable registry (what /work/shared/CONTAINERS.md records for these machines).

- Every piece of podman state (images, containers, volumes, its config) lives under one temp folder,
  removed by `close()`, together with the few folders podman creates outside it.
- The `debian:bookworm-slim` base image is made locally with debootstrap from the machine's own Debian
  mirror, trimmed like the published slim image, and carries this machine's apt settings, so the project's
  Dockerfiles build unchanged with `--pull=never`.
- `runc` rather than crun, cgroupfs, file events, and ulimits the machine allows.
"""
import glob
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time

BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
TOOLS = {"podman": "podman", "runc": "runc", "debootstrap": "debootstrap"}

CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""

# Like the published slim image: documentation, manuals and translations are left out of every package.
DPKG_SLIM = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
"""

# What podman creates outside its --root/--runroot; removed afterwards unless it existed before.
OUTSIDE_STATE = ["/var/lib/containers", "/run/containers", "/run/libpod", "/run/crun", "/run/runc",
                 "/etc/cni/net.d/cni.lock"]


class Unavailable(Exception):
    """Podman cannot run on this machine at all; `impossible` says whether trying harder could help."""

    def __init__(self, reason, impossible):
        super().__init__(reason)
        self.impossible = impossible


def ensure_tools(log):
    """Installs podman, runc and debootstrap from Debian when missing. Raises Unavailable."""
    if platform.system() != "Linux":
        raise Unavailable(f"containers need Linux, this is {platform.system()}", impossible=True)
    missing = [pkg for tool, pkg in TOOLS.items() if not shutil.which(tool)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise Unavailable(f"{', '.join(missing)} missing and not root to install them", impossible=True)
    if not shutil.which("apt-get"):
        raise Unavailable(f"{', '.join(missing)} missing and no apt-get to install them", impossible=True)
    log(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing):
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise Unavailable(f"`{' '.join(cmd)}` failed: {r.stderr.strip()[-2000:]}", impossible=False)


def install_python_yaml():
    """Debian's python3-yaml, to read docker/compose.yml (fails the caller with apt-get's error)."""
    r = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "python3-yaml"],
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), capture_output=True, text=True,
                       timeout=600)
    if r.returncode != 0:
        raise AssertionError(f"python3-yaml is needed to read docker/compose.yml; apt-get: {r.stderr[-1500:]}")


def debian_mirror():
    """The Debian archive this machine's apt uses for bookworm (read at run time, never hard-coded)."""
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            for stanza in f.read().split("\n\n"):
                fields = {}
                for line in stanza.splitlines():
                    m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
                    if m:
                        fields[m.group(1).lower()] = m.group(2).split()
                if "bookworm" in fields.get("suites", []) and "deb" in fields.get("types", []):
                    return fields["uris"][0]
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                m = re.match(r"^\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", line)
                if m:
                    return m.group(1)
    return None


class Sandbox:
    def __init__(self, log):
        self.log = log
        self.existed_before = {p for p in OUTSIDE_STATE if os.path.exists(p)}
        self.dir = tempfile.mkdtemp(prefix="walcast-podman-", dir="/var/tmp")
        self.conf = os.path.join(self.dir, "containers.conf")
        with open(self.conf, "w") as f:
            f.write(CONTAINERS_CONF)
        self.tmp = os.path.join(self.dir, "tmp")
        os.makedirs(self.tmp)
        self.env = dict(os.environ, CONTAINERS_CONF=self.conf, TMPDIR=self.tmp)
        self.prefix = ["podman", "--root", os.path.join(self.dir, "root"), "--runroot",
                       os.path.join(self.dir, "runroot"), "--tmpdir", self.tmp]

    # -- running podman ---------------------------------------------------------------------------------

    def cmd(self, *args):
        return self.prefix + [str(a) for a in args]

    def run(self, *args, check=True, timeout=120, input=None):
        r = subprocess.run(self.cmd(*args), env=self.env, capture_output=True, text=True, timeout=timeout,
                           input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"`podman {' '.join(map(str, args))}` exited {r.returncode}:\n"
                                 f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        return r

    def popen(self, *args, logfile):
        out = open(logfile, "w")
        return subprocess.Popen(self.cmd(*args), env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)

    # -- the base image ---------------------------------------------------------------------------------

    def make_base_image(self):
        """debian:bookworm-slim from debootstrap, so `FROM debian:bookworm-slim` needs no registry."""
        mirror = debian_mirror()
        if not mirror:
            raise Unavailable("no Debian bookworm source in /etc/apt to debootstrap from", impossible=False)
        rootfs = os.path.join(self.dir, "rootfs")
        r = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", rootfs, mirror],
                           capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise Unavailable(f"debootstrap from the machine's mirror failed: {r.stdout[-1500:]}{r.stderr[-1500:]}",
                              impossible=False)
        self._slim(rootfs)
        self._copy_apt_settings(rootfs)
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        imp = subprocess.run(self.cmd("import", "-", BASE_IMAGE), env=self.env, stdin=tar.stdout,
                             capture_output=True, text=True, timeout=300)
        tar.stdout.close()
        tar.wait()
        shutil.rmtree(rootfs, ignore_errors=True)
        if imp.returncode != 0 or tar.returncode != 0:
            raise AssertionError(f"podman import of the base image failed: {imp.stderr[-2000:]}")

    @staticmethod
    def _slim(rootfs):
        for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*",
                        "usr/share/man/*", "usr/share/info/*", "usr/share/locale/*"):
            for p in glob.glob(os.path.join(rootfs, pattern)):
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
        doc = os.path.join(rootfs, "usr/share/doc")
        for dirpath, _, files in os.walk(doc):
            for name in files:
                if name != "copyright":
                    os.remove(os.path.join(dirpath, name))
        os.makedirs(os.path.join(rootfs, "etc/dpkg/dpkg.cfg.d"), exist_ok=True)
        with open(os.path.join(rootfs, "etc/dpkg/dpkg.cfg.d/slim"), "w") as f:
            f.write(DPKG_SLIM)

    @staticmethod
    def _copy_apt_settings(rootfs):
        """The machine's apt sources and settings (its mirror may be a dated snapshot that needs
        `Check-Valid-Until "false"`), so `apt-get` inside a build reaches what the host reaches."""
        apt = os.path.join(rootfs, "etc/apt")
        if glob.glob("/etc/apt/sources.list.d/*.sources") or os.path.exists("/etc/apt/sources.list"):
            for p in glob.glob(os.path.join(apt, "sources.list.d/*")) + [os.path.join(apt, "sources.list")]:
                if os.path.exists(p):
                    os.remove(p)
        for src in glob.glob("/etc/apt/sources.list.d/*.sources") + glob.glob("/etc/apt/sources.list.d/*.list"):
            shutil.copy(src, os.path.join(apt, "sources.list.d"))
        if os.path.exists("/etc/apt/sources.list"):
            shutil.copy("/etc/apt/sources.list", apt)
        for src in glob.glob("/etc/apt/apt.conf.d/*"):
            if os.path.isfile(src):
                shutil.copy(src, os.path.join(apt, "apt.conf.d"))
        # Keys the copied sources are signed with, when they live outside the Debian keyring.
        for src in glob.glob("/etc/apt/trusted.gpg.d/*") + glob.glob("/etc/apt/keyrings/*"):
            dst = os.path.join(rootfs, src.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)

    # -- clean up ---------------------------------------------------------------------------------------

    def close(self):
        """Removes every container, volume and image of the sandbox, then the sandbox and the folders
        podman made outside it. Safe to call more than once."""
        if not os.path.isdir(self.dir):
            return
        try:
            self.run("rm", "--all", "--force", "--volumes", "--time", "0", check=False, timeout=120)
            self.run("rmi", "--all", "--force", check=False, timeout=300)
        except subprocess.TimeoutExpired:
            pass
        # Overlay mounts left by an interrupted build would keep the folder from being removed.
        with open("/proc/mounts") as f:
            mounts = [line.split()[1] for line in f if line.split()[1].startswith(self.dir)]
        for m in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", m], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        for p in OUTSIDE_STATE:
            if p in self.existed_before:
                continue
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.lexists(p):
                os.remove(p)


def wait_until(pred, timeout, what, interval=0.2):
    """Polls pred until it returns a truthy value or the deadline passes (then fails naming `what`)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = pred()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - the last error goes into the failure message
            last = e
        time.sleep(interval)
    raise AssertionError(f"{what} not within {timeout}s" + (f" (last error: {last})" if last else ""))
