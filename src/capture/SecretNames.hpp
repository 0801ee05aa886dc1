// Which names hold credentials: the default redaction rules, and how a name is compared. One
// rule for header names, JSON keys, form fields and query parameters, so that `X-Api-Key`,
// `api_key`, `apiKey` and `APIKEY` are one name. Only names: it never looks at values, and it
// knows nothing of exchanges (the Redactor decides where a name applies).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace reprise::capture {

// The name lower-cased with everything but letters and digits taken out: "X-Api-Key",
// "x_api_key" and "xApiKey" are all "xapikey". Rules added from a file are compared this way.
std::string loose_name(std::string_view name);

// True when the default rules call `name` a secret. The name is cut into words (at `-`, `_`,
// `.`, spaces and other punctuation, at camelCase humps, between letters and digits); trailing
// number words and qualifiers (confirmation, confirm, hash, digest) are dropped; then the name is
// a secret when the words run together end in a secret ending ("clientSecret", "X-Amz-Signature",
// "JSESSIONID", but not "tokens_used") or its last word is a short secret word ("sig", "sid",
// but not "inside"). The lists are in SecretNames.cpp and in docs/capture-format.md.
bool is_default_secret_name(std::string_view name);

// Lower-case letter runs at least one of which every default secret name contains (loose, as
// loose_name writes it): a quick test that a body can name no secret at all.
std::span<const std::string_view> secret_stems();
// Whether `text` holds one of secret_stems(), letters in any case: one pass over the text, not a
// search per stem (the recorder asks it of every body).
bool mentions_a_stem(std::string_view text);

}  // namespace reprise::capture
