// Reproduces the public DOM ids, cookie and JS API of Cookiebot's uc.js banner (Swift template) for
// offline tests. It is not Cybot's code: only what sites and probe can observe.
//   DOM: #CybotCookiebotDialog with checkboxes #CybotCookiebotDialogBodyLevelButton{Necessary,
//        Preferences,Statistics,Marketing} (class CybotCookiebotDialogBodyLevelButton) and the buttons
//        #CybotCookiebotDialogBodyButtonDecline, #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection,
//        #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll.
//   JS:  window.Cookiebot {consent: {necessary, preferences, statistics, marketing, method, stamp},
//        consented, declined, hasResponse, dialog: {visible}, renew(), show(), hide(), withdraw(),
//        submitCustomConsent(preferences, statistics, marketing)}; window events CookiebotOnLoad,
//        CookiebotOnDialogDisplay, CookiebotOnAccept, CookiebotOnDecline, CookiebotOnConsentReady and
//        the matching CookiebotCallback_On* functions.
//   Cookie: CookieConsent={stamp:%27...%27%2Cnecessary:true%2Cpreferences:false%2C...%2Cmethod:%27explicit%27%2Cver:1%2Cutc:...%2Cregion:%27de%27}
(function () {
  var CATEGORIES = ['preferences', 'statistics', 'marketing'];
  var dialog;

  function getCookie() {
    var m = document.cookie.match(/(?:^|; )CookieConsent=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : null;
  }
  function parse(raw) {
    var consent = { necessary: true, preferences: false, statistics: false, marketing: false, method: null, stamp: '0' };
    if (!raw) { return consent; }
    CATEGORIES.forEach(function (c) { consent[c] = new RegExp(c + ':true').test(raw); });
    var stamp = raw.match(/stamp:'([^']*)'/);
    consent.stamp = stamp ? stamp[1] : '0';
    consent.method = (raw.match(/method:'([^']*)'/) || [])[1] || null;
    return consent;
  }
  function stampId() {
    var bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes));
  }
  function store(consent) {
    // Cookiebot's own encoding: braces and colons literal, quotes %27, commas %2C.
    var value = ['stamp:%27' + encodeURIComponent(consent.stamp) + '%27', 'necessary:true',
      'preferences:' + consent.preferences, 'statistics:' + consent.statistics, 'marketing:' + consent.marketing,
      'method:%27explicit%27', 'ver:1', 'utc:' + Date.now(), 'region:%27de%27'].join('%2C');
    document.cookie = 'CookieConsent={' + value + '}; Path=/; Max-Age=31536000; SameSite=Lax; Secure';
  }
  function fire(name) {
    if (typeof window['CookiebotCallback_' + name] === 'function') { window['CookiebotCallback_' + name](); }
    window.dispatchEvent(new Event('Cookiebot' + name));
  }
  function refresh() {
    var raw = getCookie();
    var c = parse(raw);
    var cb = window.Cookiebot;
    cb.consent = c;
    cb.hasResponse = raw !== null;
    cb.consented = cb.hasResponse && CATEGORIES.some(function (k) { return c[k]; });
    cb.declined = cb.hasResponse && !cb.consented;
  }

  function submit(preferences, statistics, marketing) {
    var previous = parse(getCookie());
    store({ stamp: previous.stamp !== '0' ? previous.stamp : stampId(), preferences: !!preferences,
            statistics: !!statistics, marketing: !!marketing });
    refresh();
    window.Cookiebot.hide();
    fire(window.Cookiebot.consented ? 'OnAccept' : 'OnDecline');
    fire('OnConsentReady');
  }
  function syncBoxes() {
    CATEGORIES.forEach(function (c) { box(c).checked = window.Cookiebot.consent[c]; });
  }
  function box(category) {
    return document.getElementById('CybotCookiebotDialogBodyLevelButton' + category[0].toUpperCase() + category.slice(1));
  }

  window.Cookiebot = {
    version: 'reproduction',
    dialog: { visible: false },
    show: function () { syncBoxes(); dialog.style.display = 'block'; this.dialog.visible = true; fire('OnDialogDisplay'); },
    hide: function () { dialog.style.display = 'none'; this.dialog.visible = false; },
    renew: function () { this.show(); },
    withdraw: function () { submit(false, false, false); },
    submitCustomConsent: submit
  };
  refresh();

  function render() {
    dialog = document.createElement('div');
    dialog.id = 'CybotCookiebotDialog';
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.setAttribute('data-template', 'popup');
    dialog.className = 'CybotCookiebotDialogActive';
    var levels = ['necessary'].concat(CATEGORIES).map(function (c) {
      var id = 'CybotCookiebotDialogBodyLevelButton' + c[0].toUpperCase() + c.slice(1);
      var fixed = c === 'necessary';
      return '<div class="CybotCookiebotDialogBodyLevelButtonWrapper"><label for="' + id + '">' + c[0].toUpperCase() + c.slice(1) +
        '</label><div class="CybotCookiebotDialogBodyLevelButtonSliderWrapper"><input type="checkbox" id="' + id +
        '" class="CybotCookiebotDialogBodyLevelButton CybotCookiebotDialogBodyLevelButtonSlider"' +
        (fixed ? ' checked disabled' : '') + '><span class="CybotCookiebotDialogBodyLevelButtonSlider"></span></div></div>';
    }).join('');
    dialog.innerHTML =
      '<div class="CybotCookiebotDialogContentWrapper"><div id="CybotCookiebotDialogBody">' +
      '<h2 id="CybotCookiebotDialogBodyContentTitle">This website uses cookies</h2>' +
      '<div id="CybotCookiebotDialogBodyContentText">We use cookies to personalise content and ads and to analyse our traffic.</div></div>' +
      '<div id="CybotCookiebotDialogBodyLevelButtonsSelectPane"><fieldset>' + levels + '</fieldset></div>' +
      '<div id="CybotCookiebotDialogFooter"><div id="CybotCookiebotDialogBodyButtonsWrapper">' +
      '<button id="CybotCookiebotDialogBodyButtonDecline" class="CybotCookiebotDialogBodyButton">Deny</button>' +
      '<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection" class="CybotCookiebotDialogBodyButton">Allow selection</button>' +
      '<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll" class="CybotCookiebotDialogBodyButton">Allow all</button>' +
      '</div></div></div>';
    dialog.style.display = 'none';
    document.body.appendChild(dialog);
    document.getElementById('CybotCookiebotDialogBodyButtonDecline').addEventListener('click', function () { submit(false, false, false); });
    document.getElementById('CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll').addEventListener('click', function () { submit(true, true, true); });
    document.getElementById('CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection').addEventListener('click', function () {
      submit(box('preferences').checked, box('statistics').checked, box('marketing').checked);
    });
    fire('OnLoad');
    if (window.Cookiebot.hasResponse) { fire('OnConsentReady'); } else { window.Cookiebot.show(); }
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', render); } else { render(); }
})();
