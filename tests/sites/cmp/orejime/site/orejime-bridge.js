// Orejime -> Segment. Orejime starts after DOMContentLoaded and announces itself with `orejime.loaded`.
(function () {
  function start(instance) {
    var manager = instance.manager;
    window.probeShop({
      decided: function () { return !manager.isDirty(); },
      categories: function () {
        return { necessary: true, analytics: manager.getConsent('analytics'), marketing: manager.getConsent('marketing') };
      },
      onSaved: function (fn) { manager.on('update', fn); }
    });
  }
  if (window.orejime && window.orejime.manager) { start(window.orejime); return; }
  document.addEventListener('orejime.loaded', function (event) { start(event.detail); });
})();
