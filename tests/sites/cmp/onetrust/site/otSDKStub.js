// Reproduces the public DOM ids, cookies and JS API of the OneTrust cookie banner SDK (otBannerSdk)
// for offline tests. It is not OneTrust's code: only what sites and probe can observe.
//   DOM: #onetrust-consent-sdk > #onetrust-banner-sdk (#onetrust-accept-btn-handler,
//        #onetrust-reject-all-handler, #onetrust-pc-btn-handler) and the preference centre
//        #onetrust-pc-sdk (input#ot-group-id-<group>.category-switch-handler behind label.ot-switch,
//        .save-preference-btn-handler, #accept-recommended-btn-handler, .ot-pc-refuse-all-handler),
//        the floating #ot-sdk-btn-floating, and any .ot-sdk-show-settings element opens the centre.
//   JS:  OneTrust.GetDomainData(), IsAlertBoxClosed(), OnConsentChanged(cb), ToggleInfoDisplay(),
//        AllowAll(), RejectAll(), Close(); window.OnetrustActiveGroups / OptanonActiveGroups
//        (",C0001,C0003,"); OptanonWrapper() after load and after every change; window events
//        "OneTrustGroupsUpdated" and "consent.onetrust" (detail: active group ids).
//   Cookies: OptanonConsent (...&interactionCount=N&landingPath=...&groups=C0001%3A1%2CC0002%3A0...)
//            and OptanonAlertBoxClosed (ISO date of the decision).
(function () {
  var GROUPS = [
    { CustomGroupId: 'C0001', GroupName: 'Strictly Necessary Cookies', Status: 'always active' },
    { CustomGroupId: 'C0002', GroupName: 'Performance Cookies', Status: 'inactive' },
    { CustomGroupId: 'C0003', GroupName: 'Functional Cookies', Status: 'inactive' },
    { CustomGroupId: 'C0004', GroupName: 'Targeting Cookies', Status: 'inactive' }
  ];
  var VERSION = '202409.1.0';
  var active = {};

  function getCookie(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? m[1] : null;
  }
  function setCookie(name, value) {
    document.cookie = name + '=' + value + '; Path=/; Max-Age=31536000; SameSite=Lax; Secure';
  }
  function param(raw, key) {
    var m = (raw || '').match(new RegExp('(?:^|&)' + key + '=([^&]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function alwaysActive(g) { return g.Status === 'always active'; }
  function activeIds() { return GROUPS.filter(function (g) { return active[g.CustomGroupId]; }).map(function (g) { return g.CustomGroupId; }); }
  function publish() {
    window.OnetrustActiveGroups = window.OptanonActiveGroups = ',' + activeIds().join(',') + ',';
  }
  function writeConsent(interacted) {
    var previous = getCookie('OptanonConsent');
    var count = Number(param(previous, 'interactionCount') || 0) + (interacted ? 1 : 0);
    var groups = GROUPS.map(function (g) { return g.CustomGroupId + ':' + (active[g.CustomGroupId] ? 1 : 0); }).join(',');
    var fields = [
      ['isGpcEnabled', '0'], ['datestamp', new Date().toString()], ['version', VERSION],
      ['browserGpcFlag', '0'], ['isIABGlobal', 'false'], ['hosts', ''],
      ['consentId', param(previous, 'consentId') || (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()))],
      ['interactionCount', String(count)], ['isAnonUser', '1'],
      ['landingPath', interacted ? 'NotLandingPage' : (param(previous, 'landingPath') || location.href)],
      ['groups', groups], ['AwaitingReconsent', 'false']
    ];
    setCookie('OptanonConsent', fields.map(function (f) { return f[0] + '=' + encodeURIComponent(f[1]); }).join('&'));
    if (interacted) { setCookie('OptanonAlertBoxClosed', new Date().toISOString()); }
  }

  var stored = getCookie('OptanonConsent');
  GROUPS.forEach(function (g) { active[g.CustomGroupId] = alwaysActive(g); });
  if (stored && param(stored, 'groups')) {
    param(stored, 'groups').split(',').forEach(function (pair) {
      var kv = pair.split(':');
      if (kv[0] in active) { active[kv[0]] = kv[1] === '1' || alwaysActive(GROUPS.filter(function (g) { return g.CustomGroupId === kv[0]; })[0]); }
    });
  } else {
    writeConsent(false);  // OneTrust records the landing page before any decision
  }
  publish();

  var root, banner, pc, filter;
  function show(el, visible) { el.classList.toggle('ot-hide', !visible); }
  function syncToggles() {
    GROUPS.forEach(function (g) {
      var box = document.getElementById('ot-group-id-' + g.CustomGroupId);
      if (box) { box.checked = !!active[g.CustomGroupId]; }
    });
  }
  function decide(choice) {
    GROUPS.forEach(function (g) { active[g.CustomGroupId] = alwaysActive(g) || choice(g); });
    writeConsent(true);
    publish();
    show(banner, false); show(pc, false); show(filter, false);
    var ids = activeIds();
    if (typeof window.OptanonWrapper === 'function') { window.OptanonWrapper(); }
    window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ids }));
    window.dispatchEvent(new CustomEvent('consent.onetrust', { detail: ids }));
  }
  function openCentre() { syncToggles(); show(pc, true); show(filter, true); }

  window.OneTrust = {
    GetDomainData: function () {
      return { Groups: GROUPS.map(function (g) { return Object.assign({}, g); }), ConsentModel: { Name: 'opt-in' },
               ShowAlertNotice: true, BannerTitle: 'We value your privacy' };
    },
    IsAlertBoxClosed: function () { return getCookie('OptanonAlertBoxClosed') !== null; },
    OnConsentChanged: function (cb) { window.addEventListener('consent.onetrust', cb); },
    ToggleInfoDisplay: function () { if (pc.classList.contains('ot-hide')) { openCentre(); } else { show(pc, false); show(filter, false); } },
    AllowAll: function () { decide(function () { return true; }); },
    RejectAll: function () { decide(function () { return false; }); },
    Close: function () { show(banner, false); }
  };

  function render() {
    root = document.createElement('div');
    root.id = 'onetrust-consent-sdk';
    var toggles = GROUPS.map(function (g) {
      var id = g.CustomGroupId;
      var control = alwaysActive(g)
        ? '<div class="ot-always-active">Always Active</div>'
        : '<div class="ot-tgl"><input type="checkbox" name="ot-group-id-' + id + '" id="ot-group-id-' + id +
          '" aria-labelledby="ot-header-id-' + id + '" class="category-switch-handler" data-optanongroupid="' + id +
          '"><label class="ot-switch" for="ot-group-id-' + id + '"><span class="ot-switch-nob"></span>' +
          '<span class="ot-label-txt">' + g.GroupName + '</span></label></div>';
      return '<div class="ot-accordion-layout ot-cat-item" data-optanongroupid="' + id + '"><div class="ot-acc-hdr">' +
        '<h4 class="ot-cat-header" id="ot-header-id-' + id + '">' + g.GroupName + '</h4>' + control + '</div></div>';
    }).join('');
    root.innerHTML =
      '<div id="onetrust-banner-sdk" class="otFlat" role="region" aria-label="Cookie banner"><div class="ot-sdk-container">' +
      '<div id="onetrust-policy"><h2 id="onetrust-policy-title">We value your privacy</h2>' +
      '<div id="onetrust-policy-text">We use cookies to measure and improve our shop and to show you our ads.</div></div>' +
      '<div id="onetrust-button-group-parent"><div id="onetrust-button-group">' +
      '<button id="onetrust-pc-btn-handler">Cookie Settings</button>' +
      '<button id="onetrust-reject-all-handler">Reject All</button>' +
      '<button id="onetrust-accept-btn-handler">Accept All Cookies</button></div></div></div></div>' +
      '<div class="onetrust-pc-dark-filter ot-hide"></div>' +
      '<div id="onetrust-pc-sdk" class="otPcCenter ot-hide" role="dialog" aria-modal="true" aria-labelledby="ot-pc-title">' +
      '<div class="ot-pc-header"><button id="close-pc-btn-handler" class="ot-close-icon" aria-label="Close">x</button></div>' +
      '<div id="ot-pc-content"><h2 id="ot-pc-title">Privacy Preference Center</h2>' +
      '<button id="accept-recommended-btn-handler">Allow All</button>' +
      '<section class="ot-cat-grp"><h3 id="ot-category-title">Manage Consent Preferences</h3>' + toggles + '</section></div>' +
      '<div class="ot-pc-footer"><div class="ot-btn-container">' +
      '<button class="ot-pc-refuse-all-handler">Reject All</button>' +
      '<button class="save-preference-btn-handler onetrust-close-btn-handler">Confirm My Choices</button></div></div></div>' +
      '<div id="ot-sdk-btn-floating" class="ot-floating-button"><button class="ot-floating-button__open" aria-label="Open Preferences">Cookies</button></div>';
    document.body.appendChild(root);
    banner = document.getElementById('onetrust-banner-sdk');
    pc = document.getElementById('onetrust-pc-sdk');
    filter = root.querySelector('.onetrust-pc-dark-filter');
    show(banner, !window.OneTrust.IsAlertBoxClosed());

    function on(selector, fn) {
      root.querySelectorAll(selector).forEach(function (el) { el.addEventListener('click', fn); });
    }
    on('#onetrust-accept-btn-handler, #accept-recommended-btn-handler', window.OneTrust.AllowAll);
    on('#onetrust-reject-all-handler, .ot-pc-refuse-all-handler', window.OneTrust.RejectAll);
    on('#onetrust-pc-btn-handler, .ot-floating-button__open', openCentre);
    on('#close-pc-btn-handler', function () { show(pc, false); show(filter, false); });
    on('.save-preference-btn-handler', function () {
      decide(function (g) { return document.getElementById('ot-group-id-' + g.CustomGroupId).checked; });
    });
    document.querySelectorAll('.ot-sdk-show-settings').forEach(function (el) {
      el.addEventListener('click', function (e) { e.preventDefault(); openCentre(); });
    });
    if (typeof window.OptanonWrapper === 'function') { window.OptanonWrapper(); }
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', render); } else { render(); }
})();
