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
    topics = ("header-only", "pipeline", "batching", "sink", "sqlite")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_sqlite": [True, False]}
    default_options = {"with_sqlite": True}
    exports_sources = "include/*", "CMakeLists.txt", "cmake/*", "LICENSE"
    no_copy_source = True

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # Header-only: every dependency's headers (and SQLite's library) reach the consumer.
        self.requires("boost/[>=1.74.0 <2]", transitive_headers=True)
        self.requires("range-v3/[>=0.11.0 <1]", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlite3/[>=3.31.0 <4]", transitive_headers=True, transitive_libs=True)

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "sinkforge")
        self.cpp_info.set_property("cmake_target_name", "sinkforge::sinkforge")

        # Conan's CMakeDeps makes the package target, sinkforge::sinkforge, the union of the
        # components: with with_sqlite it also carries SQLite. A program that must not link SQLite
        # builds with -o sinkforge/*:with_sqlite=False.
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "sinkforge::core")
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

    def _packaged(self, name):
        # A dependency the profile declares in [platform_requires] (the system's Boost, range-v3 or
        # SQLite, e.g. Debian's) is no Conan package: self.dependencies leaves it out, CMakeDeps
        # generates no files for it and fails on a component that requires one of its components.
        # The system provides it instead: its headers are on the compiler's default include path
        # and libsqlite3 on the linker's, so only SQLite needs naming, as a system library.
        return name in self.dependencies.direct_host
