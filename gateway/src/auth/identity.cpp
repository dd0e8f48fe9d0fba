#include "auth/identity.hpp"
// Identity is plain data; this file gives the auth stage a translation unit of its own from the start.
