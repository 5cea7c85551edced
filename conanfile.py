import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class SinkforgeConan(ConanFile):
    name = "sinkforge"
    version = "0.1.0"
    license = "BSL-1.0"
    description = "Compile-time composed data-pipeline sinks for C++20"
    topics = ("header-only", "pipeline", "batching", "sink", "sqlite", "postgresql")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_sqlite": [True, False], "with_postgresql": [True, False], "with_toml": [True, False]}
    default_options = {"with_sqlite": True, "with_postgresql": False, "with_toml": False}
    exports_sources = "include/*", "CMakeLists.txt", "cmake/*", "LICENSE"
    no_copy_source = True

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # Header-only: each dependency's headers reach the consumer (transitive_headers).
        #
        # Of Boost, only Boost.Hana is used, and Hana is header-only: the requirement takes Boost's
        # headers and never a Boost library (libs=False), and package_info() names only the
        # `boost::headers` component (conan-center's Boost::headers target). The recipe does not set
        # `boost/*:header_only=True` for the consumer: an option set here would override a program
        # that also links compiled Boost libraries, and a [platform_requires] package (Debian's
        # Boost, see cmake/conan/) takes no options at all. A program that needs no compiled Boost
        # library passes -o boost/*:header_only=True to skip building them.
        self.requires("boost/[>=1.74.0 <2]", transitive_headers=True, libs=False)
        self.requires("range-v3/[>=0.11.0 <1]", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlite3/[>=3.31.0 <4]", transitive_headers=True, transitive_libs=True)
        if self.options.with_postgresql:
            self.requires("libpq/[>=14 <18]", transitive_headers=True, transitive_libs=True)
        if self.options.with_toml:
            self.requires("tomlplusplus/[>=3.3.0 <4]", transitive_headers=True)

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))
        copy(self, "sinkforge-components.cmake", os.path.join(self.source_folder, "cmake"),
             os.path.join(self.package_folder, "cmake"))

    def package_info(self):
        # The same targets as the CMake package: sinkforge::sinkforge (the core, no SQLite) and, with
        # with_sqlite, sinkforge::sqlite. CMakeDeps also makes the package-wide target the union of
        # all components; were it sinkforge::sinkforge, linking the core would link SQLite too, so
        # it has a name of its own that no program needs.
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "sinkforge")
        self.cpp_info.set_property("cmake_target_name", "sinkforge::conan_all")
        # Checks find_package(sinkforge COMPONENTS ...) as the CMake package does: an unknown or
        # absent component is not found (CMakeDeps itself accepts any name).
        self.cpp_info.set_property("cmake_build_modules", [os.path.join("cmake", "sinkforge-components.cmake")])

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "sinkforge::sinkforge")
        core.bindirs = []
        core.libdirs = []
        if self._packaged("boost"):
            core.requires.append("boost::headers")
        if self._packaged("range-v3"):
            core.requires.append("range-v3::range-v3")
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]

        if self.options.with_sqlite:
            sqlite = self.cpp_info.components["sqlite"]
            sqlite.set_property("cmake_target_name", "sinkforge::sqlite")
            sqlite.bindirs = []
            sqlite.libdirs = []
            sqlite.requires = ["core"]
            if self._packaged("sqlite3"):
                sqlite.requires.append("sqlite3::sqlite3")
            else:
                sqlite.system_libs = ["sqlite3"]

        if self.options.with_postgresql:
            postgres = self.cpp_info.components["postgres"]
            postgres.set_property("cmake_target_name", "sinkforge::postgres")
            postgres.bindirs = []
            postgres.libdirs = []
            postgres.requires = ["core"]
            if self._packaged("libpq"):
                postgres.requires.append("libpq::libpq")
            else:
                postgres.system_libs = ["pq"]

        if self.options.with_toml:
            toml = self.cpp_info.components["toml"]
            toml.set_property("cmake_target_name", "sinkforge::toml")
            toml.bindirs = []
            toml.libdirs = []
            toml.requires = ["core"]
            if self._packaged("tomlplusplus"):
                toml.requires.append("tomlplusplus::tomlplusplus")
            # From the platform: its headers are in the compiler's path and work header-only.

        # Conan checks that the components use every direct requirement, counting the platform
        # ones too (once any component names a packaged dependency), though none can be named.
        # (Conan versions before that check have no ignored_requires.)
        if hasattr(self.cpp_info, "ignored_requires"):
            direct = {r.ref.name for r, _ in self.dependencies.items() if r.direct and not r.build}
            self.cpp_info.ignored_requires = sorted(n for n in direct if not self._packaged(n))

    def _packaged(self, name):
        # A dependency the profile declares in [platform_requires] (the system's Boost, range-v3 or
        # SQLite, e.g. Debian's) is no Conan package: self.dependencies leaves it out, CMakeDeps
        # generates no files for it and fails on a component that requires one of its components.
        # The system provides it instead: its headers are on the compiler's default include path
        # and libsqlite3 on the linker's, so only SQLite needs naming, as a system library.
        return name in self.dependencies.direct_host
