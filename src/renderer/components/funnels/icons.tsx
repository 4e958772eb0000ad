/** Small Material icons (inline SVG paths) used by the Funnels page only. */
import { makeIcon as make } from '../icons.tsx';

export const AddIcon = make('M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6z', 'AddIcon');
export const ArrowUpIcon = make('M4 12l1.41 1.41L11 7.83V20h2V7.83l5.58 5.59L20 12l-8-8-8 8z', 'ArrowUpIcon');
export const ArrowDownIcon = make('M20 12l-1.41-1.41L13 16.17V4h-2v12.17l-5.58-5.59L4 12l8 8 8-8z', 'ArrowDownIcon');
export const DownloadIcon = make('M5 20h14v-2H5zM19 9h-4V3H9v6H5l7 7z', 'DownloadIcon');
export const PlayIcon = make('M8 5v14l11-7z', 'PlayIcon');
export const ExpandMoreIcon = make('M16.59 8.59 12 13.17 7.41 8.59 6 10l6 6 6-6z', 'ExpandMoreIcon');
export const FilterListIcon = make('M10 18h4v-2h-4zM3 6v2h18V6zm3 7h12v-2H6z', 'FilterListIcon');
