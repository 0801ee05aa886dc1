#include "faults/FaultAdmin.hpp"

#include <spdlog/spdlog.h>

#include "InputError.hpp"
#include "JsonFile.hpp"

namespace reprise::faults {
namespace {

using net::AdminRequest;
using net::AdminResponse;

AdminResponse json_response(int status, const nlohmann::json& j) {
  return {status, "application/json", j.dump(1) + "\n", {}};
}

AdminResponse problem(int status, const std::string& text) {
  return json_response(status, {{"error", text}});
}

}  // namespace

FaultAdmin::FaultAdmin(FaultSet initial, Publish publish)
    : set_(std::make_shared<const FaultSet>(std::move(initial))), publish_(std::move(publish)) {}

std::shared_ptr<const FaultSet> FaultAdmin::current() const {
  std::lock_guard lock(mutex_);
  return set_;
}

void FaultAdmin::add_routes(net::AdminServer& server) {
  server.route("GET", "/faults", [this](const AdminRequest&) { return list(); });
  server.route("POST", "/faults", [this](const AdminRequest& r) { return post(r); });
  server.route("GET", "/faults/{name}", [this](const AdminRequest& r) { return get(r); });
  server.route("PUT", "/faults/{name}", [this](const AdminRequest& r) { return put(r); });
  server.route("DELETE", "/faults/{name}", [this](const AdminRequest& r) { return remove(r); });
}

AdminResponse FaultAdmin::list() const { return json_response(200, current()->to_json()); }

AdminResponse FaultAdmin::get(const AdminRequest& r) const {
  auto set = current();
  const Fault* f = set->find(std::string(r.param));
  if (!f) return problem(404, "no fault named " + std::string(r.param));
  return json_response(200, f->source);
}

std::optional<Fault> FaultAdmin::body_fault(const AdminRequest& r, AdminResponse& error) const {
  nlohmann::json j;
  std::string why;
  if (!parse_json(r.body, j, why)) {
    error = problem(400, "the body is not JSON: " + why);
    return std::nullopt;
  }
  if (!r.param.empty() && j.is_object() && !j.contains("name")) j["name"] = std::string(r.param);
  try {
    Fault f = FaultSet::parse_fault(j, std::string(r.method) + " " + std::string(r.path), "body");
    if (!r.param.empty() && f.name != r.param) {
      error = problem(400, "the body names '" + f.name + "', the path '" + std::string(r.param) + "'");
      return std::nullopt;
    }
    return f;
  } catch (const InputError& e) {
    error = problem(400, e.what());
    return std::nullopt;
  }
}

AdminResponse FaultAdmin::post(const AdminRequest& r) {
  AdminResponse error;
  auto f = body_fault(r, error);
  if (!f) return error;
  std::lock_guard lock(mutex_);
  if (set_->find(f->name))
    return problem(409, "a fault named " + f->name + " exists: PUT /faults/" + f->name);
  FaultSet next = *set_;
  nlohmann::json source = f->source;
  next.put(std::move(*f));
  change(std::move(next));
  return json_response(201, source);
}

AdminResponse FaultAdmin::put(const AdminRequest& r) {
  AdminResponse error;
  auto f = body_fault(r, error);
  if (!f) return error;
  std::lock_guard lock(mutex_);
  FaultSet next = *set_;
  nlohmann::json source = f->source;
  bool replaced = next.put(std::move(*f));
  change(std::move(next));
  return json_response(replaced ? 200 : 201, source);
}

AdminResponse FaultAdmin::remove(const AdminRequest& r) {
  std::lock_guard lock(mutex_);
  FaultSet next = *set_;
  if (!next.remove(std::string(r.param))) return problem(404, "no fault named " + std::string(r.param));
  change(std::move(next));
  return {204, "text/plain; charset=utf-8", "", {}};
}

// Called with mutex_ held, so changes reach the workers in the order they were made.
void FaultAdmin::change(FaultSet next) {
  set_ = std::make_shared<const FaultSet>(std::move(next));
  spdlog::info("faults now: {}", set_->faults().size());
  publish_(set_);
}

}  // namespace reprise::faults
