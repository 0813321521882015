// The awareness question: once answered on this device, it is not asked here again.
// The note is kept in this site's localStorage (the service's slug and "1": nothing about the
// person), is never sent to the server and is no cookie. Without JavaScript, or with storage
// blocked, the question simply stays.
(function () {
  var PREFIX = 'engage-awareness-answered:';
  var store;
  try {
    store = window.localStorage;
    if (!store) return;
    var answered = document.querySelector('[data-awareness-answered]');
    if (answered) store.setItem(PREFIX + answered.getAttribute('data-awareness-answered'), '1');
    var question = document.querySelector('form[data-awareness-service]');
    if (question && store.getItem(PREFIX + question.getAttribute('data-awareness-service'))) {
      question.hidden = true;
      var note = document.getElementById('awareness-answered');
      if (note) note.hidden = false;
    }
  } catch (e) {
    // Storage refused (private browsing, settings): keep asking.
  }
})();
