// Result<T>/Error live in the public header (libudm's API returns them);
// included by path so targets need no include/ directory for it.
#pragma once
#include "../../include/udm/result.hpp"
