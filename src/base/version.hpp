// udm::Version lives in the public header (libudm's API returns it);
// included by path so targets need no include/ directory for it.
#pragma once
#include "../../include/udm/version.hpp"
