/** The benchmark uses the kit exactly as an app would, plus the raw engine for the ingest phase. */
export * from '../../components';
export { Engine } from '../../components/engine/initEngine';
