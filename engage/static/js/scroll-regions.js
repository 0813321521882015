// Tables too wide for the screen scroll inside `.engage-table-wrap`. Keyboard users can only
// scroll a box they can focus, and screen reader users need to know what it is, so while a
// wrapper overflows it becomes a focusable region named after its table's caption.
let counter = 0

function label (wrap) {
  const caption = wrap.querySelector('caption')
  if (caption && caption.textContent.trim()) {
    if (!caption.id) caption.id = `engage-table-caption-${++counter}`
    wrap.setAttribute('aria-labelledby', caption.id)
    wrap.removeAttribute('aria-label')
  } else {
    wrap.setAttribute('aria-label', 'Table')
  }
}

function update (wrap) {
  if (wrap.scrollWidth > wrap.clientWidth + 1) {
    label(wrap)
    wrap.setAttribute('role', 'region')
    wrap.setAttribute('tabindex', '0')
  } else {
    wrap.removeAttribute('role')
    wrap.removeAttribute('tabindex')
    wrap.removeAttribute('aria-labelledby')
    wrap.removeAttribute('aria-label')
  }
}

export function initScrollRegions (scope = document) {
  const wraps = scope.querySelectorAll('.engage-table-wrap')
  if (!wraps.length) return
  const observer = 'ResizeObserver' in window
    ? new window.ResizeObserver((entries) => entries.forEach((entry) => update(entry.target)))
    : null
  wraps.forEach((wrap) => {
    update(wrap)
    if (observer) observer.observe(wrap)
  })
  if (!observer) window.addEventListener('resize', () => wraps.forEach(update))
}
