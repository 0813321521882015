// "Copy the link" buttons: `data-engage-copy="<input id>"` copies that field's value. Without
// the Clipboard API the button stays hidden and the field can still be selected and copied.
function copyField (button) {
  const field = document.getElementById(button.dataset.engageCopy)
  const status = button.parentElement.querySelector('.engage-copy__status')
  if (!field) return
  navigator.clipboard.writeText(field.value).then(
    () => { if (status) status.textContent = 'Copied.' },
    () => {
      field.select()
      if (status) status.textContent = 'Could not copy. The link is selected: copy it with Ctrl+C, or Cmd+C on a Mac.'
    }
  )
}

export function initCopyFields (scope = document) {
  if (!navigator.clipboard || !window.isSecureContext) return
  scope.querySelectorAll('[data-engage-copy]').forEach((button) => {
    button.addEventListener('click', () => copyField(button))
    const wrapper = button.closest('.engage-copy')
    if (wrapper) wrapper.hidden = false
  })
}

// The link is shown in the answer to the POST that made it (it never rides in the session
// cookie). Point this history entry at the plain page, so a reload asks for the page again
// instead of posting again, which would make a new link and stop the one just copied.
export function forgetPost (scope = document) {
  const marker = scope.querySelector('[data-engage-replace-url]')
  if (marker && window.history.replaceState) {
    window.history.replaceState(null, '', marker.dataset.engageReplaceUrl)
  }
}

initCopyFields()
forgetPost()
