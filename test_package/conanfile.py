import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout


class SinkforgeTestConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        CMakeDeps(self).generate()
        tc = CMakeToolchain(self)
        tc.user_presets_path = False
        options = self.dependencies[self.tested_reference_str].options
        tc.cache_variables["SINKFORGE_TEST_SQLITE"] = bool(options.with_sqlite)
        tc.cache_variables["SINKFORGE_TEST_POSTGRES"] = bool(options.with_postgresql)
        tc.cache_variables["SINKFORGE_TEST_TOML"] = bool(options.with_toml)
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")
