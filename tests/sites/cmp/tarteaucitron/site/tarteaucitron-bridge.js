// tarteaucitron -> Segment, read from tarteaucitron's cookie (`!key=true!other=false`): its `state`
// only fills in after its own asynchronous start-up. tarteaucitron reloads the page itself when a
// running service is withdrawn; the shop takes that reload over so that Segment's consent-change
// event is delivered first (shop.js reloads after it).
(function () {
  function answer(key) {
    var match = document.cookie.match(new RegExp('(?:^|; )tarteaucitron=[^;]*!' + key + '=(true|false)'));
    return match ? match[1] === 'true' : null;
  }
  Object.defineProperty(tarteaucitron, 'reloadThePage', { get: function () { return false; }, set: function () {} });
  window.probeShop({
    decided: function () { return answer('shopanalytics') !== null && answer('shopads') !== null; },
    categories: function () {
      return { analytics: answer('shopanalytics') === true, marketing: answer('shopads') === true };
    },
    onSaved: function (fn) {
      // Every click in the panel stores at once (and closes the alert); the choice is done when
      // the panel closes, or when the alert's own buttons answered.
      window.addEventListener('tac.close_panel', fn);
      window.addEventListener('tac.close_alert', function () {
        var panel = document.getElementById('tarteaucitron');
        if (!panel || panel.style.display !== 'block') { fn(); }
      });
    }
  });
})();
