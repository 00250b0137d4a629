// udmsetup: dmsetup's command line and output over libudm.
#include "commands.hpp"

int main(int argc, char** argv) { return udm::udmsetup::run_udmsetup(argc, argv); }
