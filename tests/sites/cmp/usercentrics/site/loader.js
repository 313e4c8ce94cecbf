// Reproduces the public DOM, storage and JS API of the Usercentrics Browser UI v2 (loader.js) for
// offline tests. It is not Usercentrics' code: only what sites and probe can observe.
//   DOM: <div id="usercentrics-root"> with an open shadow root: first layer [data-testid=uc-container]
//        with [data-testid=uc-accept-all-button], [data-testid=uc-deny-all-button],
//        [data-testid=uc-more-button]; second layer [data-testid=uc-center-container] with one
//        button[role=switch]#uc-toggle-<categorySlug> per category and [data-testid=uc-save-button];
//        a privacy button [data-testid=uc-privacy-button] once the banner closed.
//   JS:  window.UC_UI: isInitialized(), acceptAllConsents(), denyAllConsents(), showFirstLayer(),
//        showSecondLayer(), closeCMP(), getServicesBaseInfo(), areAllConsentsAccepted(),
//        isConsentRequired(); window events UC_UI_INITIALIZED, UC_UI_CMP_EVENT, UC_UI_VIEW_CHANGED.
//   Storage: localStorage uc_settings (JSON: services[{id, status, history[...]}]) and uc_user_interaction.
(function () {
  var SETTINGS_ID = document.getElementById('usercentrics-cmp').getAttribute('data-settings-id');
  var CATEGORIES = [
    { slug: 'essential', label: 'Essential', isEssential: true },
    { slug: 'functional', label: 'Functional' },
    { slug: 'marketing', label: 'Marketing' }
  ];
  var SERVICES = [
    { id: 'H1Vl5NidjWX', name: 'Usercentrics Consent Management Platform', categorySlug: 'essential', isEssential: true },
    { id: 'r1Fhc4iOoWX', name: 'Intercom', categorySlug: 'functional', isEssential: false },
    { id: 'HkocEodjb7', name: 'Segment', categorySlug: 'marketing', isEssential: false },
    { id: 'S1pcEj_jZX', name: 'Pinterest', categorySlug: 'marketing', isEssential: false }
  ];
  var view = 'NONE';
  var host, shadow;

  function hex(n) {
    var bytes = new Uint8Array(n);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function load() {
    try { return JSON.parse(localStorage.getItem('uc_settings')); } catch (e) { return null; }
  }
  var settings = load();
  if (!settings) {
    settings = { controllerId: hex(16), id: SETTINGS_ID, language: 'en', version: '1.0.0', services: [] };
    SERVICES.forEach(function (s) {
      settings.services.push({ id: s.id, processorId: hex(16), status: s.isEssential, history: [] });
    });
    record('onInitialPageLoad', 'implicit', function (s) { return s.isEssential; });
  }
  function record(action, type, decide) {
    settings.services.forEach(function (entry) {
      var service = SERVICES.filter(function (s) { return s.id === entry.id; })[0];
      entry.status = service.isEssential || !!decide(service);
      entry.history.push({ action: action, language: 'en', status: entry.status, timestamp: Date.now(), type: type,
                           versions: { application: '2.0.0-repro', service: '1', settings: '1' } });
    });
    localStorage.setItem('uc_settings', JSON.stringify(settings));
  }
  function status(id) { return settings.services.filter(function (e) { return e.id === id; })[0].status; }
  function interacted() { return localStorage.getItem('uc_user_interaction') === 'true'; }

  function setView(next) {
    var previous = view;
    view = next;
    shadow.querySelector('[data-testid=uc-container]').style.display = next === 'FIRST_LAYER' ? 'block' : 'none';
    shadow.querySelector('[data-testid=uc-center-container]').style.display = next === 'SECOND_LAYER' ? 'block' : 'none';
    shadow.querySelector('[data-testid=uc-privacy-button]').style.display = next === 'NONE' && interacted() ? 'block' : 'none';
    if (next === 'SECOND_LAYER') {
      CATEGORIES.forEach(function (c) {
        var on = SERVICES.filter(function (s) { return s.categorySlug === c.slug; }).every(function (s) { return status(s.id); });
        shadow.getElementById('uc-toggle-' + c.slug).setAttribute('aria-checked', String(on));
      });
    }
    window.dispatchEvent(new CustomEvent('UC_UI_VIEW_CHANGED', { detail: { view: next, previousView: previous } }));
  }
  function decide(action, type, source, decideFn) {
    localStorage.setItem('uc_user_interaction', 'true');
    record(action, 'explicit', decideFn);
    setView('NONE');
    window.dispatchEvent(new CustomEvent('UC_UI_CMP_EVENT', { detail: { source: source, type: type } }));
    return Promise.resolve();
  }

  window.UC_UI = {
    isInitialized: function () { return true; },
    acceptAllConsents: function () { return decide('onAcceptAllServices', 'ACCEPT_ALL', 'NONE', function () { return true; }); },
    denyAllConsents: function () { return decide('onDenyAllServices', 'DENY_ALL', 'NONE', function () { return false; }); },
    showFirstLayer: function () { setView('FIRST_LAYER'); return Promise.resolve(); },
    showSecondLayer: function () { setView('SECOND_LAYER'); return Promise.resolve(); },
    closeCMP: function () { setView('NONE'); return Promise.resolve(); },
    isConsentRequired: function () { return !interacted(); },
    areAllConsentsAccepted: function () { return SERVICES.every(function (s) { return status(s.id); }); },
    getServicesBaseInfo: function () {
      return SERVICES.map(function (s) {
        var entry = settings.services.filter(function (e) { return e.id === s.id; })[0];
        return { id: s.id, name: s.name, categorySlug: s.categorySlug, isEssential: s.isEssential,
                 consent: { status: entry.status, history: entry.history.slice() } };
      });
    }
  };

  function render() {
    host = document.createElement('div');
    host.id = 'usercentrics-root';
    document.body.appendChild(host);
    shadow = host.attachShadow({ mode: 'open' });
    var toggles = CATEGORIES.map(function (c) {
      return '<div class="category"><span id="uc-category-title-' + c.slug + '">' + c.label + '</span>' +
        '<button type="button" role="switch" id="uc-toggle-' + c.slug + '" aria-labelledby="uc-category-title-' + c.slug +
        '" aria-checked="' + (c.isEssential ? 'true' : 'false') + '"' + (c.isEssential ? ' disabled' : '') + '>' + c.label + '</button></div>';
    }).join('');
    shadow.innerHTML =
      '<style>.layer{position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:1px solid #999;padding:1em}' +
      '[role=switch][aria-checked=true]{background:#0045a5;color:#fff}.privacy{position:fixed;bottom:1em;left:1em}</style>' +
      '<div data-testid="uc-container" class="layer" role="dialog" aria-label="Privacy settings" style="display:none">' +
      '<div data-testid="uc-banner-content">We use cookies and similar technologies. You can change your choice at any time.</div>' +
      '<div data-testid="uc-buttons-container"><button role="button" data-testid="uc-more-button">Settings</button>' +
      '<button role="button" data-testid="uc-deny-all-button">Deny</button>' +
      '<button role="button" data-testid="uc-accept-all-button">Accept All</button></div></div>' +
      '<div data-testid="uc-center-container" class="layer" role="dialog" aria-label="Privacy settings" style="display:none">' +
      toggles + '<div><button role="button" data-testid="uc-deny-all-button">Deny</button>' +
      '<button role="button" data-testid="uc-save-button">Save Settings</button>' +
      '<button role="button" data-testid="uc-accept-all-button">Accept All</button></div></div>' +
      '<button type="button" class="privacy" data-testid="uc-privacy-button" aria-label="Privacy settings" style="display:none">Privacy</button>';
    shadow.querySelectorAll('[data-testid=uc-accept-all-button]').forEach(function (b) {
      b.addEventListener('click', function () { decide('onAcceptAllServices', 'ACCEPT_ALL', view, function () { return true; }); });
    });
    shadow.querySelectorAll('[data-testid=uc-deny-all-button]').forEach(function (b) {
      b.addEventListener('click', function () { decide('onDenyAllServices', 'DENY_ALL', view, function () { return false; }); });
    });
    shadow.querySelector('[data-testid=uc-more-button]').addEventListener('click', function () { setView('SECOND_LAYER'); });
    shadow.querySelector('[data-testid=uc-privacy-button]').addEventListener('click', function () { setView('SECOND_LAYER'); });
    shadow.querySelectorAll('[role=switch]').forEach(function (t) {
      t.addEventListener('click', function () {
        if (!t.disabled) { t.setAttribute('aria-checked', String(t.getAttribute('aria-checked') !== 'true')); }
      });
    });
    shadow.querySelector('[data-testid=uc-save-button]').addEventListener('click', function () {
      decide('onUpdateServices', 'SAVE', 'SECOND_LAYER', function (s) {
        return shadow.getElementById('uc-toggle-' + s.categorySlug).getAttribute('aria-checked') === 'true';
      });
    });
    setView(interacted() ? 'NONE' : 'FIRST_LAYER');
    window.dispatchEvent(new Event('UC_UI_INITIALIZED'));
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', render); } else { render(); }
})();
