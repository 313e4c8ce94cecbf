// Reproduces the public DOM ids, cookie and JS API of the Didomi web SDK for offline tests. It is not
// Didomi's code: only what sites and probe can observe.
//   DOM: #didomi-host with the notice #didomi-notice (#didomi-notice-agree-button,
//        #didomi-notice-disagree-button, #didomi-notice-learn-more-button) and the preferences popup
//        #didomi-popup / #didomi-consent-popup: one .didomi-components-radio per purpose with
//        button.didomi-components-radio__option--disagree / --agree (aria-describedby="didomi-purpose-<id>",
//        aria-pressed), and the save button .didomi-consent-popup-actions .didomi-components-button--color.
//   JS:  window.Didomi: getCurrentUserStatus(), getUserConsentStatusForPurpose(id),
//        getUserConsentStatusForAll(), setUserAgreeToAll(), setUserDisagreeToAll(),
//        isConsentRequired(), shouldConsentBeCollected(), notice.{show,hide,isVisible}(),
//        preferences.{show,hide}(); window.didomiOnReady and window.didomiEventListeners
//        (events consent.changed, notice.shown, notice.hidden, preferences.shown).
//   Cookie: didomi_token = base64 of {"user_id","created","updated","purposes":{"enabled":[],"disabled":[]},
//           "vendors":{"enabled":[],"disabled":[]},"version":2}
(function () {
  var PURPOSES = [
    { id: 'cookies', name: 'Store and/or access information on a device' },
    { id: 'measure_content_performance', name: 'Measure content performance' },
    { id: 'select_personalized_ads', name: 'Use profiles to select personalised advertising' }
  ];
  var VENDORS = ['c:segment', 'c:pinterest'];
  var host, notice, popup;

  function readToken() {
    var m = document.cookie.match(/(?:^|; )didomi_token=([^;]*)/);
    if (!m) { return null; }
    try { return JSON.parse(atob(decodeURIComponent(m[1]))); } catch (e) { return null; }
  }
  function writeToken(enabledPurposes) {
    var previous = readToken();
    var now = new Date().toISOString();
    var token = {
      user_id: previous ? previous.user_id : (crypto.randomUUID ? crypto.randomUUID() : String(Math.random())),
      created: previous ? previous.created : now, updated: now,
      purposes: { enabled: enabledPurposes, disabled: PURPOSES.map(function (p) { return p.id; }).filter(function (id) { return enabledPurposes.indexOf(id) < 0; }) },
      vendors: enabledPurposes.length ? { enabled: VENDORS, disabled: [] } : { enabled: [], disabled: VENDORS },
      version: 2
    };
    document.cookie = 'didomi_token=' + btoa(JSON.stringify(token)) + '; Path=/; Max-Age=31536000; SameSite=Lax; Secure';
  }
  function enabled(id) {
    var token = readToken();
    return !!token && token.purposes.enabled.indexOf(id) >= 0;
  }
  function emit(event, detail) {
    (window.didomiEventListeners || []).forEach(function (l) { if (l.event === event) { l.listener(detail || {}); } });
  }
  function decide(enabledPurposes) {
    writeToken(enabledPurposes);
    notice.style.display = 'none';
    popup.style.display = 'none';
    emit('notice.hidden');
    emit('consent.changed', { action: 'webpage' });
  }

  window.Didomi = {
    version: 'reproduction',
    isConsentRequired: function () { return true; },
    shouldConsentBeCollected: function () { return readToken() === null; },
    getUserConsentStatusForPurpose: function (id) { return readToken() ? enabled(id) : undefined; },
    getUserConsentStatusForAll: function () {
      var token = readToken() || { purposes: { enabled: [], disabled: [] }, vendors: { enabled: [], disabled: [] } };
      return { purposes: token.purposes, vendors: token.vendors };
    },
    getCurrentUserStatus: function () {
      var token = readToken();
      var purposes = {};
      PURPOSES.forEach(function (p) { purposes[p.id] = { id: p.id, enabled: enabled(p.id) }; });
      var vendors = {};
      VENDORS.forEach(function (v) { vendors[v] = { id: v, enabled: !!token && token.vendors.enabled.indexOf(v) >= 0 }; });
      return { purposes: purposes, vendors: vendors, user_id: token ? token.user_id : null,
               created: token ? token.created : null, updated: token ? token.updated : null,
               consent_string: '', addtl_consent: '', regulation: 'gdpr', channel: 'web', action: 'webpage' };
    },
    setUserAgreeToAll: function () { decide(PURPOSES.map(function (p) { return p.id; })); },
    setUserDisagreeToAll: function () { decide([]); },
    notice: {
      show: function () { notice.style.display = 'block'; emit('notice.shown'); },
      hide: function () { notice.style.display = 'none'; emit('notice.hidden'); },
      isVisible: function () { return notice.style.display === 'block'; }
    },
    preferences: {
      show: function () {
        PURPOSES.forEach(function (p) { press(p.id, readToken() ? enabled(p.id) : null); });
        popup.style.display = 'block';
        emit('preferences.shown');
      },
      hide: function () { popup.style.display = 'none'; }
    }
  };

  function press(id, agree) {
    popup.querySelectorAll('[aria-describedby="didomi-purpose-' + id + '"]').forEach(function (b) {
      var isAgree = b.classList.contains('didomi-components-radio__option--agree');
      var selected = agree !== null && isAgree === agree;
      b.setAttribute('aria-pressed', String(selected));
      b.classList.toggle('didomi-components-radio__option--selected', selected);
      b.classList.toggle('didomi-components-radio__option--unselected', !selected);
    });
  }

  function render() {
    host = document.createElement('div');
    host.id = 'didomi-host';
    host.setAttribute('data-nosnippet', 'true');
    var rows = PURPOSES.map(function (p) {
      return '<div class="didomi-consent-popup-data-processing"><span class="didomi-consent-popup-data-processing__purpose" id="didomi-purpose-' +
        p.id + '">' + p.name + '</span><div class="didomi-components-radio">' +
        '<button type="button" class="didomi-components-radio__option didomi-components-radio__option--disagree didomi-components-radio__option--unselected" aria-describedby="didomi-purpose-' + p.id + '" aria-pressed="false">Disagree</button>' +
        '<button type="button" class="didomi-components-radio__option didomi-components-radio__option--agree didomi-components-radio__option--unselected" aria-describedby="didomi-purpose-' + p.id + '" aria-pressed="false">Agree</button>' +
        '</div></div>';
    }).join('');
    host.innerHTML =
      '<div id="didomi-notice" class="didomi-notice-banner didomi-popup-notice" role="region" aria-label="Cookie notice" style="display:none">' +
      '<div class="didomi-notice-text">We and our partners store and access information on your device.</div>' +
      '<div id="buttons"><button id="didomi-notice-learn-more-button" class="didomi-components-button didomi-button">Learn More</button>' +
      '<button id="didomi-notice-disagree-button" class="didomi-components-button didomi-button">Disagree and close</button>' +
      '<button id="didomi-notice-agree-button" class="didomi-components-button didomi-button didomi-button-highlight">Agree and close</button></div></div>' +
      '<div id="didomi-popup" class="didomi-popup-container" style="display:none"><div id="didomi-consent-popup" class="didomi-consent-popup-preferences" role="dialog" aria-modal="true">' +
      '<div class="didomi-consent-popup-body">' + rows + '</div>' +
      '<div class="didomi-consent-popup-actions"><button type="button" class="didomi-components-button didomi-button" aria-label="Disagree to all">Disagree to all</button>' +
      '<button type="button" class="didomi-components-button didomi-button" aria-label="Agree to all">Agree to all</button>' +
      '<button type="button" class="didomi-components-button didomi-button didomi-components-button--color didomi-button-highlight">Save</button></div></div></div>';
    document.body.appendChild(host);
    notice = document.getElementById('didomi-notice');
    popup = document.getElementById('didomi-popup');
    document.getElementById('didomi-notice-agree-button').addEventListener('click', window.Didomi.setUserAgreeToAll);
    document.getElementById('didomi-notice-disagree-button').addEventListener('click', window.Didomi.setUserDisagreeToAll);
    document.getElementById('didomi-notice-learn-more-button').addEventListener('click', window.Didomi.preferences.show);
    popup.querySelectorAll('.didomi-components-radio__option').forEach(function (b) {
      b.addEventListener('click', function () {
        press(b.getAttribute('aria-describedby').replace('didomi-purpose-', ''), b.classList.contains('didomi-components-radio__option--agree'));
      });
    });
    popup.querySelector('[aria-label="Disagree to all"]').addEventListener('click', function () { PURPOSES.forEach(function (p) { press(p.id, false); }); });
    popup.querySelector('[aria-label="Agree to all"]').addEventListener('click', function () { PURPOSES.forEach(function (p) { press(p.id, true); }); });
    popup.querySelector('.didomi-components-button--color').addEventListener('click', function () {
      decide(PURPOSES.filter(function (p) {
        return popup.querySelector('.didomi-components-radio__option--agree[aria-describedby="didomi-purpose-' + p.id + '"]').getAttribute('aria-pressed') === 'true';
      }).map(function (p) { return p.id; }));
    });
    if (window.Didomi.shouldConsentBeCollected()) { window.Didomi.notice.show(); }
    (window.didomiOnReady || []).forEach(function (fn) { fn(window.Didomi); });
    window.didomiOnReady = { push: function (fn) { fn(window.Didomi); } };
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', render); } else { render(); }
})();
