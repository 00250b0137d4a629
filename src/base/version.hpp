// udm::Version lives in the public header (libudm's API returns it).
#pragma once
#include "udm/version.hpp"
