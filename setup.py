"""`pip install .` / `pip wheel .` for the `vivid` Python package (see pyproject.toml).

The extension is built by the project's own CMake, not by setuptools: configure without the
tests, benchmarks or CLI, build the `vivid_python` target (the pybind11 module and libvivid),
install CMake's `python` component (module, __init__.py, .pyi stub, py.typed) into a staging
folder, and put libvivid beside the module, where the module's RUNPATH ($ORIGIN) finds it.
The CMake build folder is build-pip/cmake, kept between runs so a second install is incremental.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def project_version():
    """The version `vivid --version` prints: CMakeLists.txt's project(vivid VERSION x.y.z)."""
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(vivid\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)", text)
    if not match:
        sys.exit("CMakeLists.txt: no `project(vivid VERSION x.y.z)` to take the version from")
    return match.group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = ROOT / "build-pip" / "cmake"
        stage = ROOT / "build-pip" / "stage"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            "-DVIVID_BUILD_TESTS=OFF", "-DVIVID_BUILD_BENCH=OFF", "-DVIVID_PYTHON=ON",
            f"-DPython3_EXECUTABLE={sys.executable}",
        ]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "vivid_python"], check=True)
        shutil.rmtree(stage, ignore_errors=True)
        subprocess.run(["cmake", "--install", str(build_dir), "--component", "python", "--prefix", str(stage)],
                       check=True)

        module = next(stage.rglob("_vivid*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(module, target)
        # libvivid under its SONAME (CMakeLists.txt: SOVERSION major.minor), the real file, not a link.
        major, minor, _ = project_version().split(".")
        soname = f"libvivid.so.{major}.{minor}"
        for stale in target.parent.glob("libvivid.so*"):  # build-pip/ is kept between runs
            stale.unlink()
        shutil.copyfile((build_dir / soname).resolve(), target.parent / soname)


setup(
    version=project_version(),
    packages=["vivid"],
    package_dir={"vivid": "python/vivid"},
    package_data={"vivid": ["__init__.pyi", "py.typed"]},
    ext_modules=[Extension("vivid._vivid", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": "build-pip/setuptools"}},
    zip_safe=False,
)
