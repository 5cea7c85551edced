from conan import ConanFile


class BoostStandIn(ConanFile):
    """Stands in for conan-center's boost package where no Conan remote is reachable (.ci/conan.sh):
    the same CMake names (Boost::headers, Boost::boost), one compiled library (Boost::filesystem)
    and the header_only option, but no files: the headers are Debian's, on the default include path.
    It shows which Boost targets sinkforge links when Boost is a Conan package."""

    name = "boost"
    version = "1.74.0"
    package_type = "static-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"header_only": [True, False]}
    default_options = {"header_only": False}

    def package_id(self):
        self.info.clear()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "Boost")
        self.cpp_info.set_property("cmake_target_name", "Boost::boost")
        headers = self.cpp_info.components["headers"]
        headers.set_property("cmake_target_name", "Boost::headers")
        headers.includedirs = []
        headers.libdirs = []
        headers.bindirs = []
        if not self.options.header_only:
            filesystem = self.cpp_info.components["filesystem"]
            filesystem.set_property("cmake_target_name", "Boost::filesystem")
            filesystem.requires = ["headers"]
            filesystem.libs = ["boost_filesystem"]
            filesystem.includedirs = []
            filesystem.bindirs = []
