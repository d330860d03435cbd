#!/usr/bin/env bash
# The .deb as a user meets it: build it, install it, check what it installs, launch the
# installed app under Xvfb and check its window, install a newer build over it and check the
# user's feeds, rules, articles and alerts survived, remove it and check the data stayed.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/loopback.sh
root=$PWD
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
loopback_work

say() { printf 'package: %s\n' "$*"; }
fail() { printf 'package: FAILED: %s\n' "$*" >&2; exit 1; }

base=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
IFS=. read -r major minor patch <<<"$base"
newer="$major.$minor.$((patch + 1))"

build_deb() {
  local version=$1
  # The package ships the CLI beside the app (bundle.linux.deb.files), so build it first.
  cargo build --release --bin wirewatch
  npm --prefix ui exec -- tauri build --bundles deb --config "{\"version\":\"$version\"}"
  cp "target/release/bundle/deb/Wirewatch_${version}_"*.deb "$work/wirewatch_${version}.deb"
}

say "building $base and $newer"
build_deb "$base"
build_deb "$newer"

say "installing $base"
$sudo apt-get install -y -qq "$work/wirewatch_${base}.deb" >/dev/null
[ "$(dpkg-query -W -f='${Version}' wirewatch)" = "$base" ] || fail "installed version is not $base"
for f in /usr/bin/wirewatch-desktop /usr/bin/wirewatch /usr/share/applications/Wirewatch.desktop; do
  [ -e "$f" ] || fail "$f is not installed"
done
grep -q '^Exec=wirewatch-desktop' /usr/share/applications/Wirewatch.desktop || fail "menu entry does not start the app"
grep -q '^Categories=.*News' /usr/share/applications/Wirewatch.desktop || fail "menu entry is not filed under News"
ls /usr/share/icons/hicolor/*/apps/wirewatch-desktop.png >/dev/null 2>&1 || fail "no icons installed"
dpkg-query -W -f='${Depends}' wirewatch | grep -q libwebkit2gtk-4.1 || fail "runtime dependencies are missing"
dpkg-query -W -f='${Description}' wirewatch | grep -q "news feeds" || fail "package description is missing"

# A user with a private home, so the data directory is theirs.
export HOME="$work/home"
mkdir -p "$HOME"
unset WIREWATCH_DB
data="$HOME/.local/share/wirewatch/wirewatch.db"

# A feed on loopback, served by Python's static server.
mkdir -p "$work/www"
cat > "$work/www/feed.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Package Test Desk</title><link>https://news.example.org/</link>
<description>test</description>
<item><guid>pkg-1</guid><title>India and Pakistan extend the ceasefire in Kashmir</title>
<link>https://news.example.org/pkg-1</link><description>Both armies said the ceasefire holds.</description></item>
<item><guid>pkg-2</guid><title>Karachi markets close higher</title>
<link>https://news.example.org/pkg-2</link><description>Shares rose.</description></item>
</channel></rss>
XML
serve_folder "$work/www"

say "creating user data with the packaged CLI"
wirewatch rule add "Ceasefire" 'ceasefire (India OR Pakistan)' >/dev/null
wirewatch feed add "http://127.0.0.1:$port/feed.xml" >/dev/null
[ -f "$data" ] || fail "the CLI did not use the user's data directory"
before=$(wirewatch stats --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["feeds"], s["rules"], s["articles"], s["alerts"])')
[ "$before" = "1 1 2 1" ] || fail "unexpected data before the upgrade: $before"

launch() {
  # Starts the installed app as the menu entry does, waits for its window, takes a picture.
  local shot=$1
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    exec_line=$(sed -n "s/^Exec=//p" /usr/share/applications/Wirewatch.desktop | head -n1)
    $exec_line >/dev/null 2>&1 &
    app=$!
    if ! timeout 60 xdotool search --sync --onlyvisible --name "^Wirewatch$" >/dev/null; then
      kill $app 2>/dev/null; exit 3
    fi
    sleep 3
    import -window root "'"$shot"'"
    kill $app; wait $app 2>/dev/null || true
  ' || fail "the installed app showed no window"
  colors=$(convert "$shot" -format %k info:)
  [ "$colors" -gt 50 ] || fail "the window looks blank ($colors colours in $shot)"
}

say "launching the installed app"
launch "$work/installed.png"

say "upgrading to $newer"
$sudo apt-get install -y -qq "$work/wirewatch_${newer}.deb" >/dev/null
[ "$(dpkg-query -W -f='${Version}' wirewatch)" = "$newer" ] || fail "the upgrade did not install $newer"
after=$(wirewatch stats --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["feeds"], s["rules"], s["articles"], s["alerts"])')
[ "$after" = "$before" ] || fail "data changed across the upgrade: $before -> $after"
launch "$work/upgraded.png"

say "removing the package"
$sudo apt-get remove -y -qq wirewatch >/dev/null
[ ! -e /usr/bin/wirewatch-desktop ] || fail "the app is still installed"
[ -f "$data" ] || fail "removing the package deleted the user's data"

say "ok: installs, launches, upgrades $base -> $newer keeping data, removes leaving data"
