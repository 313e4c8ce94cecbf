// The plain banner: cookie `consent` holds {"analytics": bool, "marketing": bool}. The preferences'
// checkboxes follow the stored choice. Two deliberate bugs for probe's tests, by query string:
//   ?bug=dead-label     the marketing label points at no checkbox: clicking it changes nothing
//   ?bug=save-analytics saving stores analytics granted whatever its checkbox said (and shows it)
(function () {
  var bug = new URLSearchParams(location.search).get('bug');
  var CATEGORIES = ['analytics', 'marketing'];

  function stored() {
    var match = document.cookie.match(/(?:^|; )consent=([^;]*)/);
    return match ? JSON.parse(decodeURIComponent(match[1])) : null;
  }
  function store(choice) {
    document.cookie = 'consent=' + encodeURIComponent(JSON.stringify(choice)) + '; path=/; max-age=31536000';
    sync();
  }
  function sync() {
    var choice = stored() || {};
    CATEGORIES.forEach(function (c) { document.getElementById(c).checked = choice[c] === true; });
  }
  function all(granted) {
    var choice = {};
    CATEGORIES.forEach(function (c) { choice[c] = granted; });
    return choice;
  }
  function show(id, visible) { document.getElementById(id).hidden = !visible; }

  function render() {
    var ui = document.createElement('div');
    ui.innerHTML =
      '<div id="banner" hidden>We use cookies. ' +
      '  <button type="button" id="accept">Accept all</button> <button type="button" id="reject">Reject all</button>' +
      '  <button type="button" id="settings">Settings</button></div>' +
      '<div id="prefs" role="dialog" hidden>' +
      '  <label class="switch" id="analytics-label"><input type="checkbox" id="analytics" class="visually-hidden"> Analytics</label>' +
      '  <input type="checkbox" id="marketing" class="visually-hidden">' +
      '  <label class="switch" id="marketing-label" for="' + (bug === 'dead-label' ? 'nothing' : 'marketing') + '">Marketing</label>' +
      '  <button type="button" id="save">Save</button></div>';
    document.body.appendChild(ui);
    sync();
    show('banner', stored() === null);
    document.getElementById('accept').onclick = function () { store(all(true)); show('banner', false); };
    document.getElementById('reject').onclick = function () { store(all(false)); show('banner', false); };
    document.getElementById('settings').onclick = function () { show('banner', false); show('prefs', true); };
    document.getElementById('save').onclick = function () {
      var choice = {};
      CATEGORIES.forEach(function (c) { choice[c] = document.getElementById(c).checked; });
      if (bug === 'save-analytics') { choice.analytics = true; }
      store(choice);
      show('prefs', false);
    };
    document.getElementById('cookie-settings').onclick = function (event) {
      event.preventDefault();
      sync();
      show('prefs', true);
    };
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', render); } else { render(); }
})();
