// The dm name rule lives with the model (lvm/metadata/dm_names.hpp).
#pragma once

#include "lvm/metadata/dm_names.hpp"
