import { initAll } from '../vendor/nhsuk-frontend-10.6.1/nhsuk-frontend.min.js'
import { initScrollRegions } from './scroll-regions.js'

initAll()
initScrollRegions()
