# Signs in to a local wholeplace with a one-time password, sets a password and makes a personal
# API token, printing only the token. Standard library only. Used by `cargo xtask fuzz-api`.
# Usage: python fuzz_api_token.py BASE_URL USERNAME ONE_TIME_PASSWORD
import http.cookiejar, re, sys, urllib.parse, urllib.request

base, username, one_time = sys.argv[1], sys.argv[2], sys.argv[3]
assert base.startswith("http://127.0.0.1:"), "only ever a local server"
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

def csrf(html):
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no form token on the page"
    return m.group(1)

def get(path):
    with opener.open(base + path) as r:
        return r.read().decode()

def post(path, fields):
    data = urllib.parse.urlencode(fields).encode()
    with opener.open(urllib.request.Request(base + path, data=data)) as r:
        return r.read().decode()

post("/sign-in", {"csrf_token": csrf(get("/sign-in")), "username": username, "password": one_time, "next": "/"})
password = "fuzz the api, not the people " + username
post("/account/password", {"csrf_token": csrf(get("/account/password")), "current_password": one_time, "new_password": password, "confirm_password": password})
page = post("/account/tokens", {"csrf_token": csrf(get("/account")), "token_name": "fuzz"})
m = re.search(r"(wp_[A-Za-z0-9_\-]+)", page)
assert m, "no token on the page"
print(m.group(1))
