// formatSize moved to files/ (results key cases with it); scenarios still import it from here.
export { formatSize } from '../files/sizes.js';
