// Result<T>/Error live in the public header (libudm's API returns them).
#pragma once
#include "udm/result.hpp"
