#ifndef COREST_HPP
#define COREST_HPP

// corest: REST calls as coroutines. Include this one header.

#include <corest/auth.hpp>
#include <corest/batch.hpp>
#include <corest/body.hpp>
#include <corest/circuit_breaker.hpp>
#include <corest/client.hpp>
#include <corest/error.hpp>
#include <corest/json.hpp>
#include <corest/method.hpp>
#include <corest/pool.hpp>
#include <corest/profile.hpp>
#include <corest/redirect.hpp>
#include <corest/request.hpp>
#include <corest/result.hpp>
#include <corest/retry.hpp>
#include <corest/secret.hpp>
#include <corest/tls.hpp>
#include <corest/url.hpp>
#include <corest/version.hpp>

#endif
